"""The official Python SDK's get_user, called one after the other.

Usage: python_sequential.py URL CALLS; prints one line of JSON.
"""
import json
import sys
import time

from authing import ManagementClient

url, calls = sys.argv[1], int(sys.argv[2])
client = ManagementClient(access_key_id="bench", access_key_secret="bench", host=url)
# The first call fetches the token, as in the Rust runs.
assert client.get_user(user_id="6426e0f8d5b3b1e0a8f3c001")["statusCode"] == 200
started, cpu = time.perf_counter(), time.process_time()
for _ in range(calls):
    answer = client.get_user(user_id="6426e0f8d5b3b1e0a8f3c001")
    assert answer["statusCode"] == 200, answer
seconds = time.perf_counter() - started
print(json.dumps({
    "calls": calls,
    "seconds": seconds,
    "calls_per_second": calls / seconds,
    "cpu_us_per_call": (time.process_time() - cpu) * 1e6 / calls,
}))
