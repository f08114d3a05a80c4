"""Board decision drafts (tjänsteskrivelse) generated from contracts_templates/."""
