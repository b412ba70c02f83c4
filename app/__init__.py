"""The wiring floor: builds the Application from every handlers/ module (`wiring.py`) and runs it
until a signal stops it (`runner.py`). The only floor, besides tools/ and bench/, that imports handlers/."""
