"""The phone pages behind the kiosk's QR codes (issue 11): server-rendered, no JavaScript."""
