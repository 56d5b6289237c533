"""The first-start notice: with no staff PIN the screen itself says how to set one and how to stop
the kiosk, small, in a corner, and takes none of the visitors' touches."""

from kivy.core.window import Window

from kiosk.core.config import StaffSection
from kiosk.ui.run import add_setup_notice
from kiosk.ui.widgets.setup_notice import SetupNotice


def notices():
    return [child for child in Window.children if isinstance(child, SetupNotice)]


def test_no_notice_when_a_staff_pin_is_set(fresh, kiosk_config):
    assert kiosk_config.staff.pin_hash
    assert add_setup_notice(kiosk_config, fullscreen=True) is None
    assert notices() == []


def test_without_a_pin_the_notice_shows_in_a_corner_and_leaves_the_screen_usable(fresh, kiosk_config):
    config = kiosk_config.replace(staff=StaffSection(pin_hash=""))
    notice = add_setup_notice(config, fullscreen=True)
    try:
        fresh.settle()
        assert notices() == [notice]
        assert "kiosk set-pin" in notice.text and "Strg+C" in notice.text and "SIGTERM" in notice.text
        assert "Esc" not in notice.text  # kiosk mode ignores Escape
        # Small and in the bottom right corner, the staff corner (top left) free.
        assert notice.right <= Window.width and notice.y >= 0
        assert notice.width * notice.height < 0.1 * Window.width * Window.height
        assert notice.x > Window.width / 2 and notice.top < Window.height / 4
        fresh.screenshot("setup-notice-attract")
        # It takes no touch, not even on itself: the attract screen beneath starts the visit.
        fresh.tap(pos=notice.center)
        fresh.wait(lambda: fresh.app.root.current == "home", what="home after a tap on the notice")
        fresh.screenshot("setup-notice-home")
    finally:
        Window.remove_widget(notice)
    assert notices() == []


def test_a_windowed_kiosk_names_escape_too(fresh, kiosk_config):
    notice = add_setup_notice(kiosk_config.replace(staff=StaffSection(pin_hash="")), fullscreen=False)
    try:
        assert "Esc" in notice.text
    finally:
        Window.remove_widget(notice)
