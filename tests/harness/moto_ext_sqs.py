"""SQS RedriveAllowPolicy for moto, added in-process.

moto 5.2.5 keeps a queue's RedrivePolicy and moves messages to its
dead-letter queue, but it drops RedriveAllowPolicy: SetQueueAttributes and
CreateQueue accept it, and GetQueueAttributes never returns it (it is not in
moto's list of queue attributes), so a stack that sets it would see it
missing on every read. install() adds it to that list, so GetQueueAttributes
answers it (by name or with All) as the model spells it, and checks its value
as SQS documents it: a JSON object whose redrivePermission is allowAll,
denyAll or byQueue, with sourceQueueArns (1 to 10 ARNs) only for byQueue;
anything else is InvalidAttributeValue. An empty value removes it. moto does
not enforce the policy when another queue names the dead-letter queue.

It must not change anything moto already implements.
"""

from __future__ import annotations

import json
from typing import Any

from moto.sqs.exceptions import InvalidAttributeValue
from moto.sqs.models import Queue

ATTRIBUTE = "RedriveAllowPolicy"
PERMISSIONS = ("allowAll", "denyAll", "byQueue")
MAX_SOURCE_QUEUES = 10

_installed = False
_moto_set_attributes = Queue._set_attributes


def _valid(document: Any) -> bool:
    if not isinstance(document, dict) or document.get("redrivePermission") not in PERMISSIONS:
        return False
    if set(document) - {"redrivePermission", "sourceQueueArns"}:
        return False
    sources = document.get("sourceQueueArns")
    if document["redrivePermission"] != "byQueue":
        return sources is None
    return (isinstance(sources, list) and 1 <= len(sources) <= MAX_SOURCE_QUEUES
            and all(isinstance(arn, str) and arn.startswith("arn:") for arn in sources))


def _checked(value: Any) -> str | None:
    """The attribute as the queue keeps it: None when removed, else the JSON text given."""
    if value is None or value == "":
        return None
    try:
        document = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        raise InvalidAttributeValue(ATTRIBUTE) from None
    if not _valid(document):
        raise InvalidAttributeValue(ATTRIBUTE)
    return value if isinstance(value, str) else json.dumps(value)


def _set_attributes(self: Queue, attributes: dict[str, Any], now: float | None = None) -> None:
    attributes = dict(attributes)
    given = ATTRIBUTE in attributes
    value = _checked(attributes.pop(ATTRIBUTE, None))
    _moto_set_attributes(self, attributes, now)
    if given:
        self.redrive_allow_policy = value


def install() -> None:
    """Add RedriveAllowPolicy to moto's queues; idempotent, before any server starts."""
    global _installed
    if _installed:
        return
    if ATTRIBUTE in Queue.BASE_ATTRIBUTES or hasattr(Queue, "redrive_allow_policy"):
        raise RuntimeError(f"moto already implements SQS {ATTRIBUTE}: remove this extension")
    Queue.BASE_ATTRIBUTES = [*Queue.BASE_ATTRIBUTES, ATTRIBUTE]
    Queue.redrive_allow_policy = None  # type: ignore[attr-defined]
    Queue._set_attributes = _set_attributes  # type: ignore[method-assign]
    _installed = True
