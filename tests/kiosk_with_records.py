"""`kiosk run` (through the real command line) that, once the kiosk is up, hands N view records to
its recorder as a visitor's taps would, and says so on stdout: `handed N`. The stop tests send
their signal right after that line, while the writer may still hold some of them in its queue.

    python tests/kiosk_with_records.py N [--then-staff-exit] kiosk-run-arguments...

With --then-staff-exit the kiosk then ends as staff end it: the staff screen's exit button.
"""

import sys

from kiosk import cli
from kiosk.ui import run


def main() -> int:
    count, arguments = int(sys.argv[1]), sys.argv[2:]
    staff_exit = arguments[:1] == ["--then-staff-exit"]
    arguments = arguments[1:] if staff_exit else arguments
    show_setup_notice = run.show_setup_notice

    def hand_over_records_once_started(app, config, **options):
        show_setup_notice(app, config, **options)
        from kivy.clock import Clock

        def when_started(dt):
            if not app.started:
                return
            waiting.cancel()
            exhibit_id = app.content.exhibits[0].id
            app.visits.start(app.layer)
            handed = 0
            for _ in range(count):
                app.visits.enter_exhibit(exhibit_id)
                draft = app.visits.leave_exhibit()
                app.record(draft)
                handed += 1
            print(f"handed {handed}", flush=True)
            if staff_exit:
                app.screen("staff").exit_app()

        waiting = Clock.schedule_interval(when_started, 0.05)

    run.show_setup_notice = hand_over_records_once_started
    return cli.main(["run", *arguments])


if __name__ == "__main__":
    sys.exit(main())
