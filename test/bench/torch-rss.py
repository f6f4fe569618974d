#!/usr/bin/python3
"""Runs ../shared/bench/torch_unet.py in this process and adds its peak RSS to the JSON line it prints:
   torch-rss.py /path/to/torch_unet.py --filters 8,16,32 ...   (run with Debian's /usr/bin/python3)"""
import contextlib, io, json, resource, runpy, sys

script = sys.argv[1]
sys.argv = [script] + sys.argv[2:]
buf = io.StringIO()
with contextlib.redirect_stdout(buf):
    runpy.run_path(script, run_name='__main__')
out = json.loads(buf.getvalue().strip().splitlines()[-1])
out['peak_rss_mb'] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
print(json.dumps(out))
