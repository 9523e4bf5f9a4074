"""The smoke-test stage: wait for ready replicas, then prove the endpoint answers chat completions."""
