"""An Outlook-like peer for the end-to-end test: Debian's python3-exchangelib (4.9) against the EWS simulator.

Usage: exchangelib_peer.py URL USER PASSWORD create|read
  create  writes a weekly series (one occurrence changed, one deleted), a task and a contact into the default
          folders and prints {"ok": true}
  read    prints the fields of every calendar item, task and contact as JSON
"""
import json
import sys
from datetime import timedelta
from decimal import Decimal

from exchangelib import (BASIC, DELEGATE, Account, CalendarItem, Configuration, Contact, Credentials, EWSDate,
                         EWSDateTime, EWSTimeZone, Task)
from exchangelib.indexed_properties import EmailAddress, PhoneNumber, PhysicalAddress
from exchangelib.items import SEND_TO_NONE
from exchangelib.recurrence import Recurrence, WeeklyPattern

URL, USER, PASSWORD, COMMAND = sys.argv[1:5]
TZ = EWSTimeZone("Europe/Berlin")
account = Account(USER, config=Configuration(service_endpoint=URL, credentials=Credentials(USER, PASSWORD), auth_type=BASIC),
                  autodiscover=False, access_type=DELEGATE, default_timezone=TZ)


def create():
    s0 = EWSDateTime(2026, 3, 16, 10, 0, tzinfo=TZ)
    series = CalendarItem(account=account, folder=account.calendar, subject="Weekly sync", location="Room 7",
                          start=s0, end=s0 + timedelta(minutes=30), importance="High", categories=["Team"],
                          recurrence=Recurrence(pattern=WeeklyPattern(interval=1, weekdays=[1]), start=s0.date(), number=6))
    series.save(send_meeting_invitations=SEND_TO_NONE)
    view = [v for v in account.calendar.view(start=EWSDateTime(2026, 3, 1, tzinfo=TZ), end=EWSDateTime(2026, 5, 1, tzinfo=TZ))
            if v.subject == "Weekly sync"]
    view[1].subject = "Weekly sync (special)"
    view[1].save(update_fields=["subject"], send_meeting_invitations=SEND_TO_NONE)
    view[3].delete(send_meeting_cancellations=SEND_TO_NONE)
    Task(account=account, folder=account.tasks, subject="File report", status="InProgress",
         due_date=EWSDate(2026, 4, 1), percent_complete=Decimal(50)).save()
    Contact(account=account, folder=account.contacts, display_name="Ada Lovelace", given_name="Ada", surname="Lovelace",
            company_name="Analytical Engines", job_title="Programmer",
            email_addresses=[EmailAddress(email="ada@example.org", label="EmailAddress1")],
            phone_numbers=[PhoneNumber(label="MobilePhone", phone_number="+44 20 7946 0000")],
            physical_addresses=[PhysicalAddress(label="Home", street="12 St James's Square", city="London",
                                                country="United Kingdom", zipcode="SW1Y 4JH")]).save()
    print(json.dumps({"ok": True}))


def read():
    events = []
    for e in account.calendar.all():
        events.append({"subject": e.subject, "location": e.location, "type": e.type, "uid": e.uid,
                       "start": e.start.astimezone(TZ).isoformat(), "importance": e.importance,
                       "modified": [m.start.astimezone(TZ).isoformat() for m in (e.modified_occurrences or [])],
                       "deleted": [d.start.astimezone(TZ).isoformat() for d in (e.deleted_occurrences or [])]})
    view = [{"subject": v.subject, "start": v.start.astimezone(TZ).isoformat()}
            for v in account.calendar.view(start=EWSDateTime(2026, 1, 1, tzinfo=TZ), end=EWSDateTime(2027, 1, 1, tzinfo=TZ))]
    tasks = [{"subject": t.subject, "status": t.status, "percent": float(t.percent_complete or 0),
              "due": t.due_date.isoformat() if t.due_date else None} for t in account.tasks.all()]
    contacts = [{"display_name": c.display_name, "job_title": c.job_title, "company": c.company_name,
                 "emails": [a.email for a in (c.email_addresses or [])],
                 "phones": {p.label: p.phone_number for p in (c.phone_numbers or [])},
                 "cities": [a.city for a in (c.physical_addresses or [])]} for c in account.contacts.all()]
    print(json.dumps({"events": events, "view": view, "tasks": tasks, "contacts": contacts}))


{"create": create, "read": read}[COMMAND]()
