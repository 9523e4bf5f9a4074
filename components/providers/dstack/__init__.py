"""dstack: TGI as a dstack service, applied through a dstack server's API (self-hosted or dstack Sky).

Light on purpose: dstack's client and models load only inside the dynamic provider's methods and the render
script (see service_config.py, validate.py, client.py, resource.py, readiness.py).
"""
