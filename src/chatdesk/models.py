"""Every table, imported in one place so metadata (Alembic, tests) sees the whole schema."""
from .accounts.models import ApiToken, BrowserSession, Invite, Membership, User, Workspace
from .channels.models import Channel, DeliveryStatus, InboundEvent
from .channels.templates.models import MessageTemplate
from .contacts.models import AttributeDef, Consent, Contact, ContactIdentity, ContactImport, ContactLabel
from .conversations.cost_models import BudgetAlert, CostBudget, RateOverride
from .conversations.models import CannedResponse, Conversation, ConversationLabel, Label, Message, SendAttempt
from .core.db import Base
from .core.events import StoredEvent
from .core.idempotency import IdempotencyKey
from .core.jobs import Job
from .core.pg_ratelimit import rate_buckets
from .core.scheduler import Schedule
from .core.sending_pause import SendingPause
from .notifications.models import Notification, NotificationCursor
from .teams.models import Team, TeamMember
from .widget.hours import BusinessHours

__all__ = ["ApiToken", "AttributeDef", "Base", "BrowserSession", "BudgetAlert", "BusinessHours", "CannedResponse",
           "Channel", "Consent", "Contact", "ContactIdentity", "ContactImport", "ContactLabel", "Conversation",
           "ConversationLabel", "CostBudget", "DeliveryStatus", "IdempotencyKey", "InboundEvent", "Invite", "Job",
           "Label", "Membership", "Message", "MessageTemplate", "Notification", "NotificationCursor", "RateOverride",
           "Schedule", "SendAttempt", "SendingPause", "StoredEvent", "Team", "TeamMember", "User", "Workspace",
           "rate_buckets"]
