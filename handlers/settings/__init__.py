"""A member's settings and their forum's: /settings and /language (commands), the screen
(screen), the forum's numbers for coordinators (forum) and time zones (timezones)."""
