"""Deploy targets: one module per provider behind one interface (base.Provider), found through registry.PROVIDERS.

Adding a provider:
1. Write `components/providers/<name>.py` exposing `PROVIDER`, an instance of a `base.Provider` subclass: its
   settings model (the `tgi-fleet:<name>.*` section), secret keys, price-list key, whether its nodes are
   interruptible, `build` (a `service.TgiService` subclass whose resources are its children, ending with
   `finish(ServiceOutputs(...))`) and `readiness` (a ready-replica counter for the smoke stage).
   Import SDKs inside `build` and inside dynamic providers' methods, so a preview stays lazy. Optional:
   `live_offers` (where the provider's API quotes prices for the plan), `log_destination`, `renders_only`.
   One shape: a provider is one file, unless it talks to an API of its own (an API client): then it is a package
   `<name>/` shaped like `salad/` and `baseten/`: `__init__.py` (the Provider and its secret keys, light: a preview
   imports it), `settings.py` (its section), `component.py` (its TgiService), `resource.py` (its dynamic
   resources), `client.py` (the API client), `readiness.py` (its ready-replica counter), and the modules only it
   needs beside them (request body, patches, log shipping, generated API models).
2. Add one line to `registry.PROVIDERS`.
Config validation, the "valid names" error, pricing, the policy contract and the smoke stage follow from these.
"""
