"""Ranked polls: created (dialog, preview, languages, create), voted (commands, ballot), shown in
the group (group_post), managed after sending (manage*), closed (closing, deadlines) and reported
(results, report, export, choice, voters)."""
