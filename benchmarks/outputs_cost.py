"""CPU per request of record_http + iteration_done with --out json/csv (hot path + formatting)."""
import sys, time, random
from loadpy.metrics.registry import Registry
from loadpy.vu.recording import Recorder
from loadpy.protocols.http.model import Response, Timings
from loadpy.outputs.json_out import JsonOutput
from loadpy.outputs.csv_out import CsvOutput
from loadpy.outputs.manager import OutputManager
from loadpy.clock import now
kind = sys.argv[1]; n = int(sys.argv[2]); path = sys.argv[3]
reg = Registry()
rec = Recorder(reg)
outs = [JsonOutput(path)] if kind == "json" else [CsvOutput(path)] if kind == "csv" else []
mgr = OutputManager(reg, outs); mgr.start()
ctx = rec.context((("scenario", "default"),))
site = rec.default_site
rng = random.Random(1)
resps = []
for i in range(1000):
    t = Timings(blocked=rng.random()*0.01, sending=rng.random()*0.05, waiting=rng.random(), receiving=rng.random()*0.05)
    resps.append(Response("GET", "http://127.0.0.1:8080/", 200, proto="HTTP/1.1", timings=t))
t0 = time.process_time()
for i in range(n):
    r = resps[i % 1000]
    r.end_time = now()
    rec.record_http(r, ctx, site, None, None)
    rec.iteration_done(ctx, 1.5, 90.0, 1200.0, None)
    if i % 5000 == 4999: mgr.flush()
mgr.stop()
el = time.process_time() - t0
print(f"{kind}: {el/n*1e6:.2f} us/request = {el/n/13*1e6:.3f} us/sample", flush=True)
