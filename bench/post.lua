-- wrk: POST a JSON body given in the BODY environment variable, with the report.
wrk.method = "POST"
wrk.body = os.getenv("WRK_BODY") or "{}"
wrk.headers["Content-Type"] = "application/json"
