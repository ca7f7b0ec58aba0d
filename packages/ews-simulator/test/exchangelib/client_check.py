"""An independent EWS client against the simulator: exchangelib 4.9 (Debian's python3-exchangelib).

Usage: client_check.py URL USER PASSWORD [basic|ntlm] [SHARED_MAILBOX]
SHARED_MAILBOX, if given, has granted USER Editor access to its calendar (and nothing else).
Prints one "ok <step>" line per passed step and exits 0, or prints the failure and exits 1.
"""
import sys
import traceback
from datetime import datetime, timedelta
from decimal import Decimal

from exchangelib import (BASIC, DELEGATE, NTLM, Account, CalendarItem, Configuration, Contact, Credentials,
                         EWSDateTime, EWSTimeZone, HTMLBody, Task)
from exchangelib.errors import ErrorAccessDenied
from exchangelib.indexed_properties import EmailAddress, PhoneNumber, PhysicalAddress
from exchangelib.items import SEND_TO_NONE
from exchangelib.recurrence import Recurrence, WeeklyPattern

URL, USER, PASSWORD = sys.argv[1:4]
AUTH = {"basic": BASIC, "ntlm": NTLM}[sys.argv[4] if len(sys.argv) > 4 else "basic"]
SHARED = sys.argv[5] if len(sys.argv) > 5 else None
TZ = EWSTimeZone("Europe/Berlin")


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def step(name):
    print(f"ok {name}", flush=True)


def main():
    config = Configuration(service_endpoint=URL, credentials=Credentials(USER, PASSWORD), auth_type=AUTH)
    account = Account(USER, config=config, autodiscover=False, access_type=DELEGATE, default_timezone=TZ)
    names = {f.name for f in account.root.walk()}
    check({"Calendar", "Tasks", "Contacts", "Inbox"} <= names, f"folders: {sorted(names)}")
    step("folders")

    # A single calendar item: create, read, update, delete.
    start = EWSDateTime(2026, 3, 2, 9, 0, tzinfo=TZ)
    item = CalendarItem(account=account, folder=account.calendar, subject="Planning", start=start,
                        end=start + timedelta(hours=1), location="Room 1", body=HTMLBody("<p>Agenda</p>"),
                        categories=["Work"], legacy_free_busy_status="Tentative", reminder_is_set=False)
    item.save(send_meeting_invitations=SEND_TO_NONE)
    check(item.id and item.changekey, "create returns id and changekey")
    got = account.calendar.get(id=item.id)
    check(got.subject == "Planning" and got.location == "Room 1", f"read back: {got.subject!r} {got.location!r}")
    check(got.start == start and got.end == start + timedelta(hours=1), f"times: {got.start} {got.end}")
    check(got.categories == ["Work"] and got.legacy_free_busy_status == "Tentative", "categories / free-busy")
    check(got.uid, "UID generated")
    check("Agenda" in got.body, f"body: {got.body!r}")
    old_key = got.changekey
    got.subject = "Planning (moved)"
    got.start = start + timedelta(hours=2)
    got.end = start + timedelta(hours=3)
    got.save(update_fields=["subject", "start", "end"], send_meeting_invitations=SEND_TO_NONE)
    again = account.calendar.get(id=item.id)
    check(again.subject == "Planning (moved)" and again.start == start + timedelta(hours=2), "update applied")
    check(again.changekey != old_key, "changekey changes on update")
    again.delete(send_meeting_cancellations=SEND_TO_NONE)
    check(not list(account.calendar.filter(subject="Planning (moved)")), "deleted")
    step("calendar item CRUD")

    # A weekly series with one modified and one deleted occurrence.
    s0 = EWSDateTime(2026, 3, 16, 10, 0, tzinfo=TZ)
    series = CalendarItem(account=account, folder=account.calendar, subject="Weekly sync", start=s0,
                          end=s0 + timedelta(minutes=30),
                          recurrence=Recurrence(pattern=WeeklyPattern(interval=1, weekdays=[1]), start=s0.date(),
                                                number=6))
    series.save(send_meeting_invitations=SEND_TO_NONE)
    view = list(account.calendar.view(start=EWSDateTime(2026, 3, 1, tzinfo=TZ), end=EWSDateTime(2026, 5, 1, tzinfo=TZ)))
    occ = [v for v in view if v.subject == "Weekly sync"]
    check(len(occ) == 6, f"6 occurrences, got {len(occ)}")
    check(all(o.type == "Occurrence" for o in occ), "occurrence type")
    # Across the DST change (29 March 2026) the local time stays 10:00.
    check([o.start.astimezone(TZ).hour for o in occ] == [10] * 6, f"local hours {[o.start.astimezone(TZ) for o in occ]}")
    second, fourth = occ[1], occ[3]
    second.subject = "Weekly sync (special)"
    second.save(update_fields=["subject"], send_meeting_invitations=SEND_TO_NONE)
    fourth.delete(send_meeting_cancellations=SEND_TO_NONE)
    view = [v for v in account.calendar.view(start=EWSDateTime(2026, 3, 1, tzinfo=TZ), end=EWSDateTime(2026, 5, 1, tzinfo=TZ))
            if v.subject.startswith("Weekly sync")]
    check(len(view) == 5, f"5 left after a delete, got {len(view)}")
    check([v.type for v in view].count("Exception") == 1, "one exception")
    master = account.calendar.get(id=series.id)
    check(master.type == "RecurringMaster", f"master type {master.type}")
    check(len(master.modified_occurrences or []) == 1, f"modified occurrences {master.modified_occurrences}")
    check(len(master.deleted_occurrences or []) == 1, f"deleted occurrences {master.deleted_occurrences}")
    check(master.first_occurrence.start == s0, f"first occurrence {master.first_occurrence.start}")
    check(master.last_occurrence.start == s0 + timedelta(weeks=5), f"last occurrence {master.last_occurrence.start}")
    step("recurring series")

    # A task.
    task = Task(account=account, folder=account.tasks, subject="File report", status="InProgress",
                due_date=datetime(2026, 4, 1).date(), percent_complete=Decimal(50))
    task.save()
    t = account.tasks.get(id=task.id)
    check(t.subject == "File report" and t.status == "InProgress" and t.percent_complete == 50, "task read")
    t.status = "Completed"
    t.save(update_fields=["status"])
    t = account.tasks.get(id=task.id)
    check(t.status == "Completed" and t.percent_complete == 100 and t.complete_date, "completing sets 100% and date")
    t.delete()
    step("task")

    # A contact.
    contact = Contact(account=account, folder=account.contacts, display_name="Ada Lovelace", given_name="Ada",
                      surname="Lovelace",
                      company_name="Analytical Engines", job_title="Programmer",
                      email_addresses=[EmailAddress(email="ada@example.org", label="EmailAddress1")],
                      phone_numbers=[PhoneNumber(label="MobilePhone", phone_number="+44 20 7946 0000")],
                      physical_addresses=[PhysicalAddress(label="Home", street="12 St James's Square", city="London",
                                                          country="United Kingdom", zipcode="SW1Y 4JH")])
    contact.save()
    c = account.contacts.get(id=contact.id)
    check(c.display_name == "Ada Lovelace", f"display name {c.display_name!r}")
    check(c.file_as == "Lovelace, Ada", f"file as {c.file_as!r}")
    check(c.email_addresses[0].email == "ada@example.org", "email")
    check(c.phone_numbers[0].phone_number == "+44 20 7946 0000", "phone")
    check(c.physical_addresses[0].city == "London", "address")
    c.job_title = "Analyst"
    c.save(update_fields=["job_title"])
    check(account.contacts.get(id=contact.id).job_title == "Analyst", "contact update")
    c.delete()
    step("contact")

    # sync_items: create → see it, edit → update, delete → delete, then nothing.
    folder = account.calendar
    list(folder.sync_items())  # establish the state past everything above
    state = folder.item_sync_state
    s1 = EWSDateTime(2026, 6, 1, 9, 0, tzinfo=TZ)
    new = CalendarItem(account=account, folder=folder, subject="Synced", start=s1, end=s1 + timedelta(hours=1))
    new.save(send_meeting_invitations=SEND_TO_NONE)
    changes = list(folder.sync_items(sync_state=state))
    check([(c, i.subject) for c, i in changes] == [("create", "Synced")], f"sync create: {changes}")
    state = folder.item_sync_state
    new.subject = "Synced (edited)"
    new.save(update_fields=["subject"], send_meeting_invitations=SEND_TO_NONE)
    changes = list(folder.sync_items(sync_state=state))
    check([(c, i.subject) for c, i in changes] == [("update", "Synced (edited)")], f"sync update: {changes}")
    state = folder.item_sync_state
    new_id = new.id
    new.delete(send_meeting_cancellations=SEND_TO_NONE)
    changes = list(folder.sync_items(sync_state=state))
    check([(c, i.id) for c, i in changes] == [("delete", new_id)], f"sync delete: {changes}")
    state = folder.item_sync_state
    check(list(folder.sync_items(sync_state=state)) == [], "no changes")
    step("sync_items")

    if SHARED:
        # Delegate access: the shared mailbox's calendar is reachable, its tasks are not.
        shared = Account(SHARED, config=config, autodiscover=False, access_type=DELEGATE, default_timezone=TZ)
        s2 = EWSDateTime(2026, 7, 1, 9, 0, tzinfo=TZ)
        item = CalendarItem(account=shared, folder=shared.calendar, subject=f"From {USER}", start=s2, end=s2 + timedelta(hours=1))
        item.save(send_meeting_invitations=SEND_TO_NONE)
        check([i.subject for i in shared.calendar.all()] == [f"From {USER}"], "item in the shared calendar")
        item.delete(send_meeting_cancellations=SEND_TO_NONE)
        try:
            shared.tasks.all().count()
        except ErrorAccessDenied:
            pass
        else:
            raise AssertionError("tasks of the shared mailbox should be denied")
        step("delegate")


if __name__ == "__main__":
    try:
        main()
    except Exception:
        traceback.print_exc()
        sys.exit(1)
    print("all steps passed")
