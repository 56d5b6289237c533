"""The staff dashboard (issue 12): every page behind a staff login; kiosk tokens never open it."""
