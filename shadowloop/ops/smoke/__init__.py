"""The real-account acceptance kit behind ``make aws-smoke``.

``plan`` says what a smoke run creates and what it costs, before any AWS call;
``run`` deploys a throwaway stage, trains, calls the API, checks the capture and
destroys everything; ``inventory`` finds what a destroyed stage left behind.
"""
