"""Tools people run beside the bot: the terminal demo (`main.py demo`) and the catalog tool
(`python -m tools.catalog_tool`). The top floor: nothing of ours imports tools/ except main.py."""
