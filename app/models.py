"""Imports every domain's models so the metadata (and Alembic) sees the whole schema."""

from app.agreements.models import *  # noqa: F403
from app.auth.models import *  # noqa: F403
from app.deadlines.models import *  # noqa: F403
from app.documents.models import *  # noqa: F403
from app.finance.models import *  # noqa: F403
from app.grants.models import *  # noqa: F403
from app.indexation.models import *  # noqa: F403
from app.parties.models import *  # noqa: F403
from app.reminders.models import *  # noqa: F403
