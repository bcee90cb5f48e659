"""Sending: the two APIs' requests and answers (protocol), OAuth2 tokens (auth), pacing
(ratelimit), when to retry (retry_policy), the run's one HTTP session (session) and the lanes
that send each case in order (lanes); many actions' bodies at once, for requests.jsonl, in
the same request shape as the sender's (bodies).

May import the kernel only (config, errors, model); knows nothing of files, plans
or the journal: it reports through hooks and progress events.
"""
