"""The domain model; importing this package registers every table."""

from . import api, mail  # noqa: F401 - channel tables register themselves
from .articles import Article, ArticleRevision, ArticleSuggestion, ArticleView, ArticleVote
from .audit import AuditEntry
from .base import frozen_at, load_collection, utcnow
from .cases import (
    OPEN_STATUSES,
    PRIORITY_LABELS,
    STATUS_TEXT,
    Case,
    Priority,
    Status,
    format_reference,
    parse_reference,
)
from .customer_escalations import CustomerEscalation
from .customers import FACT_KINDS, CaseReference, CustomerFact
from .data_requests import DataRequest
from .departments import Category, Closure, Department
from .digests import DigestItem
from .events import (
    CONTACT_DEFAULTS,
    CONTACT_LABELS,
    Attachment,
    CaseEvent,
    Channel,
    EventKind,
    Visibility,
)
from .feedback import SOLVED_LABELS, Feedback, FollowUp, FollowUpState, ReplyReaction, Solved
from .notification_choices import CaseNotificationChoice
from .outbox import OutboxMessage
from .people import (
    SHARING_LABELS,
    CaseParticipant,
    Organisation,
    OrganisationMember,
    SharedCase,
    Sharing,
)
from .problems import (
    PROBLEM_STATUS_LABELS,
    KnownProblem,
    ProblemCase,
    ProblemDelivery,
    ProblemFollower,
    ProblemStatus,
    ProblemUpdate,
    problem_categories,
)
from .promises import Escalation, Promise, PromiseState
from .saved_replies import SavedReply
from .security import RecoveryCode, SiteSetting, TwoFactor
from .standards import Standard
from .tokens import AuthToken
from .users import STAFF_ROLES, EmailUpdates, Role, User

__all__ = [
    "PROBLEM_STATUS_LABELS",
    "KnownProblem",
    "ProblemCase",
    "ProblemDelivery",
    "ProblemFollower",
    "ProblemStatus",
    "ProblemUpdate",
    "problem_categories",
    "CONTACT_DEFAULTS",
    "CONTACT_LABELS",
    "FACT_KINDS",
    "Article",
    "ArticleRevision",
    "ArticleSuggestion",
    "ArticleView",
    "ArticleVote",
    "AuditEntry",
    "CaseReference",
    "CustomerFact",
    "CustomerEscalation",
    "DataRequest",
    "OPEN_STATUSES",
    "PRIORITY_LABELS",
    "STAFF_ROLES",
    "STATUS_TEXT",
    "SiteSetting",
    "Attachment",
    "AuthToken",
    "Case",
    "CaseEvent",
    "CaseNotificationChoice",
    "CaseParticipant",
    "Organisation",
    "OrganisationMember",
    "SHARING_LABELS",
    "SharedCase",
    "Sharing",
    "Category",
    "Channel",
    "Closure",
    "Department",
    "DigestItem",
    "EmailUpdates",
    "Escalation",
    "EventKind",
    "Feedback",
    "FollowUp",
    "FollowUpState",
    "OutboxMessage",
    "Priority",
    "Promise",
    "PromiseState",
    "RecoveryCode",
    "ReplyReaction",
    "SavedReply",
    "Role",
    "SOLVED_LABELS",
    "Solved",
    "Standard",
    "Status",
    "TwoFactor",
    "User",
    "Visibility",
    "format_reference",
    "parse_reference",
    "frozen_at",
    "load_collection",
    "utcnow",
]
