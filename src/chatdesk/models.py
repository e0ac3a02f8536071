"""Every table, imported in one place so metadata (Alembic, tests) sees the whole schema."""
from .accounts.models import ApiToken, Membership, User, Workspace
from .channels.models import Channel, DeliveryStatus, InboundEvent
from .contacts.models import Contact, ContactIdentity
from .conversations.models import Conversation, Message, SendAttempt
from .core.db import Base
from .core.jobs import Job

__all__ = ["ApiToken", "Base", "Channel", "Contact", "ContactIdentity", "Conversation", "DeliveryStatus",
           "InboundEvent", "Job", "Membership", "Message", "SendAttempt", "User", "Workspace"]
