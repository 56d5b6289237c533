import datetime as dt

from kiosk.core.dates import event_time, event_when, short_date

START = dt.datetime(2026, 12, 3, 17, 0)
END = dt.datetime(2026, 12, 3, 19, 30)


def test_event_when_in_each_layer():
    assert event_when(START, END, "de") == "Donnerstag, 3. Dezember 2026, 17:00–19:30 Uhr"
    assert event_when(START, END, "en") == "Thursday, 3 December 2026, 17:00–19:30"
    assert event_when(START, END, "ls") == "Donnerstag, 3. Dezember 2026.\nVon 17 Uhr bis 19:30 Uhr."


def test_events_over_several_days_name_both_days():
    end = dt.datetime(2026, 12, 4, 12, 0)
    assert event_when(START, end, "de") == ("Donnerstag, 3. Dezember 2026, 17:00 Uhr – "
                                           "Freitag, 4. Dezember 2026, 12:00 Uhr")
    assert event_time(START, end, "de") == event_when(START, end, "de")


def test_time_only_and_badges():
    assert event_time(START, END, "de") == "17:00–19:30 Uhr"
    assert event_time(START, END, "ls") == "Von 17 Uhr bis 19:30 Uhr"
    assert short_date(START, "de") == ("3.", "Dez.")
    assert short_date(dt.datetime(2027, 3, 6), "de") == ("6.", "März")
    assert short_date(dt.datetime(2027, 5, 6), "en") == ("6", "May")
