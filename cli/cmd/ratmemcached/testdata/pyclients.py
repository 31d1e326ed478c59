"""Drive a memcached server with two Python client libraries, pymemcache
and python-memcached (Debian: python3-pymemcache, python3-memcache), and
print one line per operation with what the library returned. The Go test
runs it against memcached and against ratmemcached and compares the two
transcripts line by line; values that legitimately differ between servers
(CAS uniques, versions, statistics) are printed as their shape only.

Usage: pyclients.py HOST:PORT
"""
import sys

from pymemcache.client.base import Client
from pymemcache.exceptions import MemcacheClientError, MemcacheServerError
import memcache

addr = sys.argv[1]
host, port = addr.rsplit(":", 1)
out = []


def show(what, f):
    """Run f and record its result, or the kind of error it raised (the
    message too when the server sent it)."""
    try:
        value = repr(f())
    except (MemcacheClientError, MemcacheServerError) as e:
        value = "%s: %s" % (type(e).__name__, e)
    except Exception as e:  # connection errors, through a proxy too
        value = "error " + type(e).__name__
    out.append("%s => %s" % (what, value))


# pymemcache, default_noreply=False so every store is acknowledged, and
# one client with noreply on to cover that path.
c = Client((host, int(port)), default_noreply=False, connect_timeout=5, timeout=5)
show("flush_all", lambda: c.flush_all())
show("set", lambda: c.set("a", b"1", expire=0))
show("set flags", lambda: c.set("f", b"x", flags=7))
show("get flags", lambda: c.get("f"))
show("get", lambda: c.get("a"))
show("get miss", lambda: c.get("nope"))
show("add exists", lambda: c.add("a", b"2"))
show("add new", lambda: c.add("b", b"2"))
show("replace", lambda: c.replace("b", b"3"))
show("replace miss", lambda: c.replace("zz", b"3"))
show("append", lambda: c.append("b", b"4"))
show("prepend", lambda: c.prepend("b", b"0"))
show("get b", lambda: c.get("b"))
try:
    val, cas = c.gets("a")
except Exception:
    val, cas = None, b"1"
show("gets value", lambda: val)
show("gets cas is digits", lambda: isinstance(cas, bytes) and cas.isdigit())
show("cas ok", lambda: c.cas("a", b"10", cas))
show("cas stale", lambda: c.cas("a", b"11", cas))
show("cas miss", lambda: c.cas("missing", b"11", b"1"))
show("incr", lambda: c.incr("a", 5))
show("decr", lambda: c.decr("a", 100))
show("incr miss", lambda: c.incr("missing", 1))
show("set text", lambda: c.set("t", b"text"))
show("incr text", lambda: c.incr("t", 1))
show("touch", lambda: c.touch("a", 100))
show("touch miss", lambda: c.touch("missing", 100))
show("get_many", lambda: sorted(c.get_many(["a", "b", "nope"]).items()))
show("gets_many keys", lambda: sorted(c.gets_many(["a", "b"]).keys()))
show("set_many", lambda: c.set_many({"m1": b"1", "m2": b"2"}))
show("delete", lambda: c.delete("m1"))
show("delete miss", lambda: c.delete("m1"))
show("delete_many", lambda: c.delete_many(["m2", "nope"]))
big = b"v" * 500000
show("set big", lambda: c.set("big", big))
show("get big", lambda: c.get("big") == big)
show("set huge", lambda: c.set("huge", b"h" * (2 * 1024 * 1024)))
show("get after huge", lambda: c.get("a"))
show("gat", lambda: c.gat("a", 50))
show("gats value", lambda: c.gats("a", 50)[0])
show("stats has", lambda: sorted(k for k in (b"curr_items", b"get_hits", b"cmd_get", b"uptime", b"version") if k in c.stats()))
show("stats settings has", lambda: sorted(k for k in (b"maxbytes", b"item_size_max", b"cas_enabled") if k in c.stats("settings")))
show("version is bytes", lambda: isinstance(c.version(), bytes))
show("cache_memlimit", lambda: c.cache_memlimit(64))
nr = Client((host, int(port)), default_noreply=True)
show("noreply set", lambda: nr.set("nr", b"quiet"))
show("noreply get", lambda: nr.get("nr"))
show("noreply delete", lambda: nr.delete("nr"))
show("after noreply delete", lambda: nr.get("nr"))
show("flush_all delay", lambda: c.flush_all(delay=0))
show("get after flush", lambda: c.get("a"))
c.close()
nr.close()

# python-memcached
m = memcache.Client([addr], debug=0)
show("pm set", lambda: m.set("pk", "value"))
show("pm set int", lambda: m.set("pi", 42))
show("pm get int", lambda: m.get("pi"))
show("pm set obj", lambda: m.set("po", {"a": [1, 2]}))
show("pm get obj", lambda: m.get("po"))
show("pm get_multi", lambda: sorted(m.get_multi(["pk", "pi", "nope"]).items()))
show("pm set_multi", lambda: m.set_multi({"x1": "1", "x2": "2"}, key_prefix="p:"))
show("pm get_multi prefix", lambda: sorted(m.get_multi(["x1", "x2"], key_prefix="p:").items()))
show("pm delete_multi", lambda: m.delete_multi(["x1"], key_prefix="p:"))
show("pm incr", lambda: m.incr("pi", 8))
show("pm decr", lambda: m.decr("pi", 100))
show("pm add", lambda: m.add("pk", "other"))
show("pm replace", lambda: m.replace("pk", "new"))
show("pm append", lambda: m.append("pk", "+"))
show("pm prepend", lambda: m.prepend("pk", "-"))
show("pm get", lambda: m.get("pk"))
show("pm gets", lambda: m.gets("pk"))
show("pm cas", lambda: m.cas("pk", "swapped"))
show("pm get swapped", lambda: m.get("pk"))
show("pm touch", lambda: m.touch("pk", 100))
show("pm delete", lambda: m.delete("pk"))
show("pm get deleted", lambda: m.get("pk"))
show("pm set 250-byte key", lambda: m.set("k" * 250, "x"))
show("pm get 250-byte key", lambda: m.get("k" * 250))
show("pm stats servers", lambda: len(m.get_stats()))
m.disconnect_all()

print("\n".join(out))
