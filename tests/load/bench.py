"""Pieces every load tool needs: a process's CPU time and memory from /proc, peers split across
worker processes, the phases those workers wait on, and signing in through the real form."""
import asyncio
import http.cookiejar
import os
import re
import resource
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def stat_cpu_seconds(stat_text):
    """utime + stime of a /proc/<pid>/stat (or task stat) line, in seconds."""
    fields = stat_text.rsplit(")", 1)[1].split()  # the name, in parentheses, may hold spaces
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def cpu_seconds(pid):
    return stat_cpu_seconds(Path(f"/proc/{pid}/stat").read_text())


def rss_bytes(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def own_cpu_seconds():
    """This process's CPU time (a worker reports what generating the load cost it)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def split(total, parts):
    """`total` peers over `parts` workers, as evenly as possible."""
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


async def wait_phase(phase, name):
    """Waits until the coordinator sets the shared `phase` (a multiprocessing Array) to `name`."""
    while phase.value.decode() != name:
        await asyncio.sleep(0.05)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the 303 after sign-in carries the cookie; following it is not needed


def sign_in(base_url, email, password):
    """Signs in through the form (GET for the pre-login CSRF cookie and token, then POST);
    returns the `Cookie` header value carrying the Login."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
    page = opener.open(base_url + "/signin", timeout=10).read().decode()
    m = re.search(r'name="csrf" value="([^"]+)"', page)
    if not m:
        raise RuntimeError("no CSRF token on /signin")
    form = urllib.parse.urlencode({"csrf": m.group(1), "email": email, "password": password, "next": "/rooms"})
    request = urllib.request.Request(base_url + "/signin", data=form.encode(), headers={"Origin": base_url})
    try:
        opener.open(request, timeout=30)
    except urllib.error.HTTPError as e:
        if e.code not in (302, 303):
            raise RuntimeError(f"sign-in answered {e.code}") from e
    cookies = {c.name: c.value for c in jar}
    if "amphi_login" not in cookies:
        raise RuntimeError(f"sign-in set no Login cookie (got {sorted(cookies)})")
    return "; ".join(f"{k}={v}" for k, v in cookies.items())
