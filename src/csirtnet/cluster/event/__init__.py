"""Events of the network and its clusters: schedule, registration, attendance, materials."""
