"""A real Open311 GeoReport v2 client from PyPI (georeport) against the running channel.

Usage: open311_client.py BASE_URL API_KEY
Reads services, a service definition, requests and one request in JSON and XML through the
client library; creates a request the way Open311 clients do (form-encoded POST). Exits non-zero
with the failing check on stderr.
"""
import sys

import requests
from georeport import GeoReport


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)


def main():
    base, api_key = sys.argv[1], sys.argv[2]
    for fmt in ("json", "xml"):
        client = GeoReport(base, api_key=api_key, output_format=fmt)
        services = client.get_service_list()
        check(len(services) == 49, f"{fmt}: 49 services, got {len(services)}")
        codes = {s["service_code"] for s in services}
        check("su-ariza" in codes, f"{fmt}: su-ariza listed")
        definition = client.get_service_definition("su-ariza")
        check(definition["service_code"] == "su-ariza", f"{fmt}: definition of su-ariza")

    # Create as a client would: form-encoded POST to requests.json.
    r = requests.post(f"{base}/requests.json", data={
        "api_key": api_key, "service_code": "su-ariza", "lat": "36.9182", "long": "34.8951",
        "description": "Ana boruda su kaçağı var", "phone": "0544 987 65 43",
        "attribute[request_type]": "tip"}, timeout=10)
    check(r.status_code == 201, f"POST requests.json answered {r.status_code}: {r.text}")
    created = r.json()[0]
    sid = created["service_request_id"]
    check(len(sid) == 11 and sid[5] == "-", f"tracking code form: {sid}")

    for fmt in ("json", "xml"):
        client = GeoReport(base, api_key=api_key, output_format=fmt)
        one = client.get_service_request(sid)
        check(one["service_request_id"] == sid, f"{fmt}: request {sid} found")
        check(one["service_code"] == "su-ariza", f"{fmt}: its service code")
        check(one["status"] in ("open", "closed"), f"{fmt}: status open/closed, got {one['status']}")
        many = client.get_service_requests(service_request_id=sid)
        if isinstance(many, dict):  # xmltodict returns a dict for a single <request>
            many = [many]
        check(any(x["service_request_id"] == sid for x in many), f"{fmt}: listed by id")
    print("open311 client checks passed")


if __name__ == "__main__":
    main()
