"""Members' feedback: /feedback (commands), the relay between coordinators and the member
(relay) and /feedback list (listing)."""
