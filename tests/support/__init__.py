"""What the tests share: the API and web clients, valid form data and case flows, the database reset, the
browser settings. Test modules import from here, never from each other."""
