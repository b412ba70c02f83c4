"""Best-practice tips: the library (/tip), forum tips (forum_tips), their dialog (dialog,
dialog_screens) and subscriptions with delivery (subscriptions)."""
