"""The live human side: handed-over chat contacts, agent desktops and the message relay.

:class:`Desk` joins the :class:`~switchboard.routing.engine.RoutingEngine`
(queues in the database) to the live sockets of one server process:

* :meth:`Desk.enqueue_handover` (the :class:`~switchboard.ports.HandoverQueue`
  port the composition root injects into the conversation service)
  enqueues a contact the AI agent handed over, whatever the channel
  (``Handover`` → :func:`~switchboard.domain.attributes.handover_attributes`
  with the live ``RealTimeSentiment`` → ``target_queue`` / ``routing_priority``)
  and stores the attributes on the contact (``Contact.state["attributes"]``);
* a background task dispatches every ``tick_s`` (waiting contacts to
  available agents, due callbacks to the front of their queue) and pushes
  to each waiting customer its position and EWT whenever they change;
* customer messages of a handed-over contact go to its human agent (never
  the bot); agent messages go to the customer. Both are written by the
  conversation service (redacted, stored, audited, published on the
  transcript stream), agent ones sourced ``HUMAN_AGENT``.

Frames (JSON) pushed to subscribers:

customer: ``queue`` {queue, position, ewt_seconds, ewt_minutes, offer_callback},
``queue_closed`` {queue, reason, next_open}, ``agent_joined`` {agent},
``agent_message`` {text, agent}, ``agent_left`` {disposition}.

agent: ``assigned`` {contact_id, queue, waited_seconds, attributes,
summary, transcript}, ``customer_message`` {contact_id, text}, ``closed``
{contact_id, disposition}.

Frames travel through sequenced frame channels (:mod:`switchboard.cluster.frames`):
in this process by default, through Redis when several replicas serve the
sockets, so a customer on one replica and its agent on another talk, and a
socket that reconnects gets what it missed. The queue state lives in the
store: a restarted server finds every waiting contact and callback there.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from switchboard.agent.conversation import HUMAN_INTENT, ConversationService
from switchboard.audit.redact import mask_endpoint
from switchboard.cluster.frames import Frame, FrameChannels, LocalChannels, Subscription
from switchboard.cluster.locks import Fence
from switchboard.domain.attributes import (
    ATTR_CONVERSATION_SUMMARY,
    ATTR_EWT,
    ATTR_QUEUE_POSITION,
    handover_attributes,
)
from switchboard.domain.state import ContactAttributes, RoutingState
from switchboard.domain.types import (
    AgentReply,
    ContactStatus,
    EventType,
    Handover,
    Message,
    Role,
    Source,
)
from switchboard.errors import QueueClosedError, QueueFullError, RoutingError
from switchboard.routing.engine import RoutingEngine, route_for
from switchboard.routing.types import Agent, AgentStatus, Assignment, Callback, Placement

log = logging.getLogger("switchboard.routing.desk")

__all__ = ["HUMAN_INTENT", "Desk", "Frame"]


class _Audience:
    """One kind of socket (customers ``c:`` or agents ``a:``) over the shared frame channels.

    Every frame published gets the key's next ``seq`` and is kept for replay
    (:mod:`switchboard.cluster.frames`): in process by default, in Redis when
    several replicas serve the sockets.
    """

    def __init__(self, channels: FrameChannels, tag: str) -> None:
        self.channels = channels
        self._tag = f"{tag}:"

    async def subscribe(self, key: str, after: int | None = None) -> Subscription:
        """Subscribe a socket; ``after``: the last ``seq`` it saw (None: from now)."""
        return await self.channels.subscribe(self._tag + key, after)

    def unsubscribe(self, sub: Subscription) -> None:
        """Stop delivering to a socket."""
        self.channels.unsubscribe(sub)

    def publish(self, key: str, frame: Frame) -> None:
        """Send ``frame`` to every socket of ``key``, on any replica (never blocks)."""
        self.channels.publish(self._tag + key, frame)

    async def append(self, key: str, frame: Frame, *, fence: Fence | None = None) -> int:
        """Send ``frame`` and return its ``seq`` (fenced: refused after a lost lease)."""
        return await self.channels.append(self._tag + key, frame, fence=fence)

    def tagged(self, key: str) -> str:
        """The channel key of ``key`` (``c:<contact>`` / ``a:<agent>``)."""
        return self._tag + key

    def keys(self) -> list[str]:
        """Keys with a socket on this replica."""
        n = len(self._tag)
        return [k[n:] for k in self.channels.keys() if k.startswith(self._tag)]


class Desk:
    """Handed-over contacts, agent sessions and the relay between them (see module doc).

    Args:
        conversation: the one writer (store, audit events, transcript stream, lifecycle).
        engine: the routing engine over the same database.
        tick_s: dispatch / queue-update period, seconds.
        channels: the frame channels shared with the other replicas (default: this
            process only).
    """

    def __init__(
        self,
        conversation: ConversationService,
        engine: RoutingEngine,
        *,
        tick_s: float = 0.5,
        channels: FrameChannels | None = None,
    ):
        self.conversation = conversation
        self.db = conversation.db
        self.engine = engine
        self.tick_s = tick_s
        shared = channels if channels is not None else LocalChannels()
        self.customers = _Audience(shared, "c")
        self.agents = _Audience(shared, "a")
        self._last_sent: dict[str, tuple[int, int]] = {}
        self._handover_frames: dict[str, Frame] = {}
        self._task: asyncio.Task[None] | None = None

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> None:
        """Start the dispatch loop in the running event loop (idempotent)."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="desk")

    async def aclose(self) -> None:
        """Stop the dispatch loop."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:  # the loop must survive a failed tick (the DB may be back next)
                log.exception("desk tick failed")
            await asyncio.sleep(self.tick_s)

    async def tick(self) -> list[Assignment]:
        """Dispatch once, announce assignments, push changed queue positions."""
        made = await asyncio.to_thread(self.engine.dispatch)
        for assignment in made:
            await self._announce(assignment)
        watched = set(self.customers.keys())
        if watched:
            placements = await asyncio.to_thread(self.engine.placements)
            for contact_id in watched & set(placements):
                self._push_placement(placements[contact_id])
        return made

    # -- customer side ---------------------------------------------------------------

    async def _emit(self, contact_id: str, type_: EventType, source: Source, **data: Any) -> None:
        await self.conversation.record(contact_id, type_, source, **data)

    def _push_placement(self, placement: Placement, *, force: bool = False) -> None:
        key = (placement.position, placement.ewt_minutes)
        if not force and self._last_sent.get(placement.contact_id) == key:
            return
        self._last_sent[placement.contact_id] = key
        self.customers.publish(placement.contact_id, self.queue_frame(placement))

    def queue_frame(self, placement: Placement) -> Frame:
        """The ``queue`` frame; ``offer_callback`` when the EWT passes the queue's threshold."""
        threshold = self.engine.queue(placement.queue).callback_offer_after_s
        return {
            "type": "queue",
            "queue": placement.queue,
            "position": placement.position,
            "ewt_seconds": round(placement.ewt_s),
            "ewt_minutes": placement.ewt_minutes,
            "offer_callback": placement.ewt_s > threshold,
        }

    async def resume(self, contact_id: str) -> None:
        """Re-send a (re)connected customer where it stands: queue position or its agent."""
        placement = await asyncio.to_thread(self.engine.placement, contact_id)
        if placement is not None:
            self._push_placement(placement, force=True)
            return
        assignment = await asyncio.to_thread(self.engine.assignment_of_contact, contact_id)
        if assignment is not None:
            agent = await asyncio.to_thread(self.engine.agent, assignment.agent_id)
            self.customers.publish(contact_id, {"type": "agent_joined", "agent": agent.name})

    async def handover(self, reply: AgentReply) -> Frame:
        """Queue the contact of a reply that carries a handover (see :meth:`enqueue_handover`).

        Raises:
            ValueError: the reply carries no handover.
        """
        if reply.handover is None:
            raise ValueError("the reply carries no handover")
        return await self.enqueue_handover(reply.contact_id, reply.handover)

    def take_handover_frame(self, contact_id: str) -> Frame | None:
        """The frame of the contact's last handover, once (the chat socket sends it)."""
        return self._handover_frames.pop(contact_id, None)

    async def enqueue_handover(self, contact_id: str, handover: Handover) -> Frame:
        """Queue a contact the AI agent just handed over; return the frame for the customer.

        The :class:`~switchboard.ports.HandoverQueue` port: the conversation
        service calls it for a handover from any channel.

        Returns:
            A ``queue`` frame (position, EWT) or, when the queue is closed or
            full, a ``queue_closed`` frame offering a callback. The contact is
            never dropped: a closed queue leaves it transferred and waiting
            for a callback booking.
        """
        frame = await self._enqueue(contact_id, handover)
        self._handover_frames[contact_id] = frame
        return frame

    async def _enqueue(self, contact_id: str, handover: Handover) -> Frame:
        contact = await self.db.get_contact(contact_id)
        current = contact.state.attributes
        update = handover_attributes(handover, sentiment=current.real_time_sentiment)
        attrs = current.merged(update).as_map()
        queue, priority = route_for(attrs)
        try:
            placement = await asyncio.to_thread(
                self.engine.enqueue, contact_id, queue, priority, attrs
            )
        except (QueueClosedError, QueueFullError) as exc:
            status = await asyncio.to_thread(self.engine.queue_status, queue)
            nxt = self.engine.queue(queue).hours.next_open(status.at)
            contact.state.attributes = ContactAttributes.model_validate(attrs)
            await self.db.update_contact(contact)
            return {
                "type": "queue_closed",
                "queue": queue,
                "reason": exc.code,
                "next_open": nxt.isoformat() if nxt else None,
            }
        attrs[ATTR_QUEUE_POSITION] = str(placement.position)
        attrs[ATTR_EWT] = str(placement.ewt_minutes)
        contact.state.attributes = ContactAttributes.model_validate(attrs)
        contact.state.routing = RoutingState(
            queue=queue,
            priority=priority,
            position=placement.position,
            ewt_minutes=placement.ewt_minutes,
        )
        await self.db.update_contact(contact)
        await self._emit(
            contact_id,
            EventType.QUEUED,
            Source.SYSTEM,
            queue=queue,
            priority=priority,
            position=placement.position,
            ewt_seconds=placement.ewt_s,
        )
        self._last_sent[contact_id] = (placement.position, placement.ewt_minutes)
        return self.queue_frame(placement)

    async def with_humans(self, contact_id: str) -> bool:
        """True when the contact is waiting for, or talking to, a human agent.

        Asked for every customer message: one read of the contact's active queue
        entry (was an assignment read plus a placement with its EWT estimate).
        """
        return await asyncio.to_thread(self.engine.is_active, contact_id)

    async def customer_message(
        self, contact_id: str, text: str, *, ack: Frame | None = None, fence: Fence | None = None
    ) -> Frame:
        """Store a customer message of a handed-over contact and relay it to its agent.

        Returns:
            A ``delivered`` frame saying whether an agent (``agent``) or the
            queue (``queue``: the agent reads it in the transcript) got it.
            With ``ack`` (extra fields, e.g. ``in_reply_to``) the frame is also
            appended to the customer's channel together with the relay, in one
            step fenced by ``fence``: the agent never gets a message whose
            acknowledgement was lost (a re-sent message would be relayed twice).

        The conversation service redacts, stores, audits and publishes it.

        Raises:
            InputError: empty or oversized text.
            StaleFenceError: ``fence`` was taken over (nothing appended).
        """
        text = await self.conversation.customer_message(contact_id, text, to="human_agent")
        assignment = await asyncio.to_thread(self.engine.assignment_of_contact, contact_id)
        delivered: Frame = {"type": "delivered", "to": "queue" if assignment is None else "agent"}
        frames: list[tuple[str, Frame]] = []
        if assignment is not None:
            relay = {"type": "customer_message", "contact_id": contact_id, "text": text}
            frames.append((self.agents.tagged(assignment.agent_id), relay))
        if ack is not None:
            frames.append((self.customers.tagged(contact_id), {**delivered, **ack}))
        if frames:
            await self.customers.channels.append_many(frames, fence=fence)
        return delivered

    async def book_callback(self, contact_id: str, phone: str) -> Callback:
        """Book a callback for a handed-over contact into its target queue.

        Raises:
            InputError: malformed phone number.
            UnknownContactError: no such contact.
        """
        contact = await self.db.get_contact(contact_id)
        attrs = contact.state.attributes.as_map()
        queue, _ = route_for(attrs)
        callback = await asyncio.to_thread(
            lambda: self.engine.book_callback(contact_id, phone, queue, attributes=attrs)
        )
        await self._emit(
            contact_id,
            EventType.CALLBACK_BOOKED,
            Source.CUSTOMER,
            queue=queue,
            customer_phone=mask_endpoint(callback.customer_phone),
            due_at=callback.due_at.isoformat(),
            callback_id=callback.callback_id,
        )
        return callback

    # -- agent side ------------------------------------------------------------------

    async def sign_in(self, name: str) -> Agent:
        """Sign an agent in by name (offline until it goes available)."""
        return await asyncio.to_thread(self.engine.sign_in, name)

    async def set_status(self, agent_id: str, status: AgentStatus) -> Agent:
        """Change an agent's status and dispatch at once when it goes available."""
        agent = await asyncio.to_thread(self.engine.set_status, agent_id, status)
        if status is AgentStatus.AVAILABLE:
            await self.tick()
        return agent

    async def _announce(self, assignment: Assignment) -> None:
        agent = await asyncio.to_thread(self.engine.agent, assignment.agent_id)
        self._last_sent.pop(assignment.contact_id, None)
        await self._emit(
            assignment.contact_id,
            EventType.AGENT_CONNECTED,
            Source.HUMAN_AGENT,
            agent=agent.name,
            queue=assignment.queue,
            waited_seconds=assignment.waited_s,
        )
        await self.customers.append(
            assignment.contact_id, {"type": "agent_joined", "agent": agent.name}
        )
        await self.agents.append(assignment.agent_id, await self.assigned_frame(assignment))

    async def assigned_frame(self, assignment: Assignment) -> Frame:
        """The ``assigned`` frame: the contact, its summary and its transcript."""
        messages = await self.db.recent_messages(assignment.contact_id, 500)
        raw = assignment.attributes.get(ATTR_CONVERSATION_SUMMARY)
        try:
            summary = json.loads(raw) if raw else None
        except ValueError:
            summary = None
        callback = (
            await asyncio.to_thread(self.engine.callback, assignment.callback_id)
            if assignment.callback_id
            else None
        )
        return {
            "type": "assigned",
            # The agent dials this number back (the only place it is shown).
            "callback_phone": callback.customer_phone if callback else None,
            "contact_id": assignment.contact_id,
            "queue": assignment.queue,
            "priority": assignment.priority,
            "waited_seconds": round(assignment.waited_s, 1),
            "callback": assignment.callback_id is not None,
            "attributes": {
                k: v for k, v in assignment.attributes.items() if k != ATTR_CONVERSATION_SUMMARY
            },
            "summary": summary,
            "transcript": [
                {
                    "role": m.role.value,
                    "source": _source_of(m),
                    "text": m.content,
                    "timestamp": m.timestamp.isoformat(),
                }
                for m in messages
            ],
        }

    async def current(self, agent_id: str) -> Frame | None:
        """The ``assigned`` frame of the agent's current contact, or None."""
        assignment = await asyncio.to_thread(self.engine.assignment_for, agent_id)
        return None if assignment is None else await self.assigned_frame(assignment)

    async def agent_message(self, agent_id: str, text: str) -> None:
        """Store an agent's message (``HUMAN_AGENT``) and relay it to the customer.

        Raises:
            InputError: empty or oversized text.
            RoutingError: the agent holds no contact.
        """
        assignment = await asyncio.to_thread(self.engine.assignment_for, agent_id)
        if assignment is None:
            raise RoutingError("no contact is assigned to this agent")
        agent = await asyncio.to_thread(self.engine.agent, agent_id)
        # Redacted, stored (HUMAN_AGENT), audited and published by the conversation service.
        text = await self.conversation.human_agent_message(
            assignment.contact_id, text, agent=agent.name
        )
        await self.customers.append(
            assignment.contact_id, {"type": "agent_message", "text": text, "agent": agent.name}
        )

    async def close_contact(self, agent_id: str, disposition: str) -> Assignment:
        """Close the agent's contact with a disposition; end the conversation.

        Raises:
            InputError: empty disposition.
            RoutingError: the agent holds no contact.
        """
        assignment = await asyncio.to_thread(self.engine.assignment_for, agent_id)
        if assignment is None:
            raise RoutingError("no contact is assigned to this agent")
        done = await asyncio.to_thread(self.engine.complete, assignment.contact_id, disposition)
        await self._emit(
            done.contact_id,
            EventType.DISPOSITION,
            Source.HUMAN_AGENT,
            disposition=disposition.strip(),
            agent_id=agent_id,
            handle_seconds=None,
        )
        await self.conversation.end_contact(done.contact_id, ContactStatus.TRANSFERRED)
        await self.customers.append(
            done.contact_id, {"type": "agent_left", "disposition": disposition.strip()}
        )
        await self.agents.append(
            agent_id,
            {"type": "closed", "contact_id": done.contact_id, "disposition": disposition.strip()},
        )
        return done


def _source_of(message: Message) -> str:
    """Who wrote a transcript message: CUSTOMER, AI_AGENT or HUMAN_AGENT."""
    if message.role is Role.USER:
        return Source.CUSTOMER.value
    return Source.HUMAN_AGENT.value if message.intent == HUMAN_INTENT else Source.AI_AGENT.value
