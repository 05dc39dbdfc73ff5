"""One destination, one Airflow notifier: the providers own addresses, credentials and transport.

- ``sns``     amazon provider ``SnsNotifier`` (an AWS connection: the role or keys live there)
- ``slack``   slack provider ``SlackWebhookNotifier`` (a ``slackwebhook`` connection holds the webhook)
- ``email``   smtp provider ``SmtpNotifier`` (an ``smtp`` connection)
- ``webhook`` http provider ``HttpNotifier``: the message as JSON, POSTed to the connection's host + endpoint
- ``apprise`` apprise provider ``AppriseNotifier`` (an ``apprise`` connection: any Apprise URL)

Notifiers are called with ``notify()`` on finished text, never through ``__call__`` (which would
render their fields as Jinja templates: a resource name must never be executed as one).
A failed delivery raises; the caller records only what was delivered.
"""

from __future__ import annotations

import re

from postureflow.alerts.render import Message
from postureflow.alerts.rules import (
    AppriseDestination,
    EmailDestination,
    SlackDestination,
    SnsDestination,
    WebhookDestination,
)


class DeliveryError(RuntimeError):
    """A destination did not accept a message."""


def _sns_subject(subject: str) -> str:
    # SNS subjects: ASCII, no line breaks, at most 100 characters.
    text = re.sub(r"[^\x20-\x7e]", "?", subject.replace("\n", " "))
    return text[:100]


def _slack_text(text: str) -> str:
    # Slack's mrkdwn reads <...> as links and &...; as entities: send names as they are.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _checked_apprise(destination: AppriseDestination, message: Message) -> None:
    import apprise
    from airflow.providers.apprise.notifications.apprise import AppriseNotifier

    notifier = AppriseNotifier(body=message.text, title=message.subject, apprise_conn_id=destination.conn_id,
                               tag=destination.tag)
    # AppriseHook.notify drops Apprise's result; build the same Apprise object from the connection and keep it.
    hook = notifier.hook
    target = apprise.Apprise()
    hook.set_config_from_conn(conn=hook.get_connection(destination.conn_id), apprise_obj=target)
    if not target.notify(body=message.text, title=message.subject, tag=destination.tag):
        raise DeliveryError(f"apprise connection {destination.conn_id!r}: no service accepted the message")


def deliver(destination, message: Message) -> None:
    if isinstance(destination, SnsDestination):
        from airflow.providers.amazon.aws.notifications.sns import SnsNotifier

        SnsNotifier(aws_conn_id=destination.conn_id, target_arn=destination.topic_arn, message=message.text,
                    subject=_sns_subject(message.subject), region_name=destination.region).notify({})
    elif isinstance(destination, SlackDestination):
        from airflow.providers.slack.notifications.slack_webhook import SlackWebhookNotifier

        SlackWebhookNotifier(slack_webhook_conn_id=destination.conn_id,
                             text=_slack_text(message.text)).notify({})
    elif isinstance(destination, EmailDestination):
        from airflow.providers.smtp.notifications.smtp import SmtpNotifier

        SmtpNotifier(to=list(destination.to), from_email=destination.from_email, smtp_conn_id=destination.conn_id,
                     subject=message.subject, html_content=message.html).notify({})
    elif isinstance(destination, WebhookDestination):
        from airflow.providers.http.notifications.http import HttpNotifier

        HttpNotifier(http_conn_id=destination.conn_id, endpoint=destination.endpoint, method="POST",
                     json={"subject": message.subject, "text": message.text, **message.data},
                     headers={"Content-Type": "application/json"}).notify({})
    elif isinstance(destination, AppriseDestination):
        _checked_apprise(destination, message)
    else:  # pragma: no cover - the models allow no other type
        raise DeliveryError(f"unknown destination type {type(destination).__name__}")
