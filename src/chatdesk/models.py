"""Every table, imported in one place so metadata (Alembic, tests) sees the whole schema."""
from .accounts.members import Invite
from .accounts.models import ApiToken, Membership, User, Workspace
from .channels.models import Channel, DeliveryStatus, InboundEvent
from .contacts.models import Contact, ContactIdentity
from .conversations.canned import CannedResponse
from .conversations.labels import ConversationLabel, Label
from .conversations.models import Conversation, Message, SendAttempt
from .core.db import Base
from .core.events import StoredEvent
from .core.jobs import Job
from .core.pg_ratelimit import rate_buckets
from .teams.models import Team, TeamMember

__all__ = ["ApiToken", "Base", "CannedResponse", "Channel", "Contact", "ContactIdentity", "Conversation",
           "ConversationLabel", "DeliveryStatus", "InboundEvent", "Invite", "Job", "Label", "Membership", "Message",
           "SendAttempt", "StoredEvent", "Team", "rate_buckets", "TeamMember", "User", "Workspace"]
