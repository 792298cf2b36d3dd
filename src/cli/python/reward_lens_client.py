"""Reward Lens client: the rewards of `reward-lens serve` inside TRL, verl and OpenRLHF training runs.

Standard library only, one file (`reward-lens python-client --out reward_lens_client.py` writes it). Point it at one
or more servers (comma-separated), e.g. ``REWARD_LENS_URLS=http://127.0.0.1:8787,http://10.0.0.2:8787``; with a
bearer token, ``REWARD_LENS_TOKEN`` or ``REWARD_LENS_TOKEN_FILE``.

- TRL GRPOTrainer: ``reward_funcs=[trl_reward]`` (or ``trl_reward_async``); reads the columns of our ``trl-grpo``
  export (``task``, ``reference``, ``db_path``, ``files``, ``data_file``); standard and conversational formats;
  ``None`` for a completion that could not be scored (TRL skips it).
- verl: ``custom_reward_function.path=reward_lens_client.py custom_reward_function.name=compute_score``
  (``compute_score_batch`` for verl's batch reward manager).
- OpenRLHF: ``--remote_rm_url http://127.0.0.1:8787/get_reward`` (the server itself), or
  ``--remote_rm_url reward_lens_client.py`` for ``reward_func``.

Requests are spread over the URLs, retried on connection errors and 503 (Retry-After honoured), and at most
``REWARD_LENS_MAX_CONCURRENCY`` (default 32) run at once per process.
"""

import asyncio
import itertools
import json
import os
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

__all__ = [
    "RewardLensClient",
    "RewardLensError",
    "default_client",
    "make_trl_reward",
    "trl_reward",
    "trl_reward_async",
    "compute_score",
    "compute_score_batch",
    "reward_func",
]

TASKS = ("sql", "patch", "chart")


class RewardLensError(Exception):
    """The server refused a request (4xx/5xx other than 503), or every retry failed."""

    def __init__(self, status, code, message):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


def _read_token():
    token = os.environ.get("REWARD_LENS_TOKEN")
    path = os.environ.get("REWARD_LENS_TOKEN_FILE")
    if not token and path:
        with open(path, encoding="utf-8") as f:
            token = f.readline().strip()
    return token or None


class RewardLensClient:
    """HTTP client for one or more reward servers (they are stateless: any server can score any request)."""

    def __init__(self, urls=None, token=None, timeout=300.0, retries=6, max_concurrency=None):
        if urls is None:
            urls = os.environ.get("REWARD_LENS_URLS") or os.environ.get("REWARD_LENS_URL") or "http://127.0.0.1:8787"
        if isinstance(urls, str):
            urls = [u.strip() for u in urls.split(",") if u.strip()]
        if not urls:
            raise ValueError("no reward server URL")
        self.urls = [u.rstrip("/") for u in urls]
        self.token = token if token is not None else _read_token()
        self.timeout = timeout
        self.retries = retries
        n = max_concurrency or int(os.environ.get("REWARD_LENS_MAX_CONCURRENCY", "32"))
        self._slots = threading.BoundedSemaphore(n)
        self._next = itertools.count()
        self._pool = ThreadPoolExecutor(max_workers=n)
        self._health = None

    # -- transport ---------------------------------------------------------------------------------------------
    def _post(self, path, body, method="POST"):
        data = None if body is None else json.dumps(body).encode("utf-8")
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        last = None
        with self._slots:
            for attempt in range(self.retries + 1):
                # Spread requests: each attempt goes to the next server in the list.
                base = self.urls[next(self._next) % len(self.urls)]
                req = urllib.request.Request(base + path, data=data, headers=headers, method=method)
                try:
                    with urllib.request.urlopen(req, timeout=self.timeout) as r:
                        return json.loads(r.read().decode("utf-8"))
                except urllib.error.HTTPError as e:
                    text = e.read().decode("utf-8", "replace")
                    try:
                        err = json.loads(text).get("error") or {}
                    except ValueError:
                        err = {}
                    if e.code == 503:
                        last = RewardLensError(503, err.get("code", "busy"), err.get("message", text))
                        delay = float(e.headers.get("Retry-After") or 0.5)
                        time.sleep(min(delay, 10.0) * (1 + attempt * 0.5))
                        continue
                    raise RewardLensError(e.code, err.get("code", "http_error"), err.get("message", text)) from None
                except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as e:
                    last = RewardLensError(0, "connection", f"{base}: {getattr(e, 'reason', e)}")
                    time.sleep(min(0.2 * (2 ** attempt), 5.0))
                    continue
        raise last

    def health(self):
        if self._health is None:
            self._health = self._post("/health", None, method="GET")
        return self._health

    def reward_names(self, task):
        return sorted(self.health()["definitions"].get(task, {}).keys())

    def score(self, task, groups, weights=None, options=None):
        """POST /v1/score: {"groups": [...]} exactly as `reward-lens rank` prints them."""
        body = {"task": task, "groups": groups}
        if weights:
            body["weights"] = weights
        if options:
            body["options"] = options
        return self._post("/v1/score", body)

    def get_reward(self, queries, prompts, labels):
        """POST /get_reward: OpenRLHF's remote reward contract."""
        return self._post("/get_reward", {"query": list(queries), "prompts": list(prompts), "labels": list(labels)})

    def score_groups(self, task, groups, weights=None):
        """Scores groups; a group the server refuses (bad path, no database...) comes back as None, the rest scored.
        Large batches are split so that each request stays well under the server's candidate limit."""
        out = [None] * len(groups)
        chunks, cur, size = [], [], 0
        for i, g in enumerate(groups):
            if cur and size + len(g["candidates"]) > 256:
                chunks.append(cur)
                cur, size = [], 0
            cur.append(i)
            size += len(g["candidates"])
        if cur:
            chunks.append(cur)

        def run(idx):
            try:
                res = self.score(task, [groups[i] for i in idx], weights)
                for i, g in zip(idx, res["groups"]):
                    out[i] = g
            except RewardLensError as e:
                if e.status == 0 or e.status >= 500 or len(idx) == 1:
                    if len(idx) == 1:
                        out[idx[0]] = None
                        return
                    raise
                for i in idx:  # find the group the server refused; score the others
                    run([i])

        list(self._pool.map(run, chunks))
        return out


_default = None
_default_lock = threading.Lock()


def default_client():
    global _default
    with _default_lock:
        if _default is None:
            _default = RewardLensClient()
        return _default


# -- helpers ------------------------------------------------------------------------------------------------------
def _text(x):
    """Completion text: a string, or conversational messages (the assistant's content)."""
    if isinstance(x, str):
        return x
    if isinstance(x, dict):
        return x.get("content", "") or ""
    if isinstance(x, (list, tuple)):
        parts = [m.get("content", "") for m in x if isinstance(m, dict) and m.get("role", "assistant") == "assistant"]
        return "".join(p for p in parts if isinstance(p, str))
    return str(x)


def _prompt_text(p):
    if isinstance(p, str):
        return p
    if isinstance(p, (list, tuple)):
        return "\n".join(m.get("content", "") for m in p if isinstance(m, dict) and isinstance(m.get("content"), str))
    return "" if p is None else str(p)


def _col(kwargs, name, i):
    v = kwargs.get(name)
    if v is None:
        return None
    try:
        return v[i]
    except (IndexError, KeyError, TypeError):
        return None


def _group_fields(task, reference, db_path, files, data_file):
    g = {}
    if reference not in (None, ""):
        g["reference"] = reference
    if task == "sql" and db_path:
        g["db"] = db_path
    if task == "patch" and files:
        g["files"] = list(files)
    if task == "chart" and data_file:
        g["data"] = data_file
    return g


def _task_of(data_source, default):
    if isinstance(data_source, str):
        t = data_source.rsplit("/", 1)[-1]
        if t in TASKS:
            return t
    return default


# -- TRL --------------------------------------------------------------------------------------------------------
def _trl_scores(client, default_task, weights, prompts, completions, kwargs):
    n = len(completions)
    groups = {}  # (task, key) -> {"fields", "prompt", "candidates", "at"}
    for i in range(n):
        task = _col(kwargs, "task", i) or default_task
        if task not in TASKS:
            raise ValueError(f"task {task!r}: expected one of {TASKS}")
        prompt = prompts[i] if prompts is not None and i < len(prompts) else None
        fields = _group_fields(task, _col(kwargs, "reference", i), _col(kwargs, "db_path", i), _col(kwargs, "files", i), _col(kwargs, "data_file", i))
        # GRPO repeats each prompt num_generations times: completions of one prompt and gold form one group.
        key = (task, json.dumps([prompt, fields], sort_keys=True, default=str))
        g = groups.get(key)
        if g is None:
            g = groups[key] = {"task": task, "fields": fields, "prompt": _prompt_text(prompt), "candidates": [], "at": []}
        g["candidates"].append(_text(completions[i]))
        g["at"].append(i)
    out = [None] * n
    by_task = {}
    for g in groups.values():
        by_task.setdefault(g["task"], []).append(g)
    for task, gs in by_task.items():
        req = [dict(g["fields"], group=str(k), prompt=g["prompt"], candidates=g["candidates"]) for k, g in enumerate(gs)]
        res = client.score_groups(task, req, weights)
        for g, r in zip(gs, res):
            if r is None:
                continue
            for j, c in zip(g["at"], r["candidates"]):
                out[j] = float(c["total"])
    return out


def make_trl_reward(task="sql", client=None, weights=None, name=None):
    """A GRPOTrainer reward function ``(prompts, completions, **kwargs) -> list[float | None]``.
    ``task`` is used for rows without a ``task`` column. ``weights`` overrides reward weights (as --weights)."""

    def reward(prompts=None, completions=None, **kwargs):
        return _trl_scores(client or default_client(), task, weights, prompts, completions, kwargs)

    reward.__name__ = name or f"reward_lens_{task}"
    return reward


def make_trl_reward_async(task="sql", client=None, weights=None, name=None):
    """The same as an ``async def`` (TRL runs async reward functions concurrently with each other)."""
    sync = make_trl_reward(task, client, weights)

    async def reward(prompts=None, completions=None, **kwargs):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, lambda: sync(prompts=prompts, completions=completions, **kwargs))

    reward.__name__ = name or f"reward_lens_{task}_async"
    return reward


def trl_reward(prompts=None, completions=None, **kwargs):
    """TRL GRPOTrainer reward function (sync): the total `reward-lens rank` gives, None when unscorable."""
    return _trl_scores(default_client(), os.environ.get("REWARD_LENS_TASK", "sql"), None, prompts, completions, kwargs)


async def trl_reward_async(prompts=None, completions=None, **kwargs):
    """TRL GRPOTrainer reward function (async def)."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, lambda: trl_reward(prompts=prompts, completions=completions, **kwargs))


# -- verl -------------------------------------------------------------------------------------------------------
def _verl_result(client, task, c):
    """verl's dict for one scored candidate ``c`` (None: unscorable)."""
    names = client.reward_names(task)
    res = {"score": 0.0, "unscored": 1.0}
    res.update({k: 0.0 for k in names})  # verl collects every key per sample: the same keys every time
    if c is not None:
        res["score"] = float(c["total"])
        res["unscored"] = 0.0
        for k, v in c["rewards"].items():
            res[k] = float(v)
    return res


def compute_score(data_source, solution_str, ground_truth, extra_info=None, **kwargs):
    """verl custom reward function: ``{"score": total, <reward>: value, ...}`` for one response.
    Each call is a group of one (verl's naive reward manager scores samples one by one); use compute_score_batch
    with verl's batch reward manager to score GRPO groups together (group-relative rewards such as consensus)."""
    client = default_client()
    info = extra_info or {}
    task = _task_of(data_source, info.get("task") or os.environ.get("REWARD_LENS_TASK", "sql"))
    fields = _group_fields(task, ground_truth, info.get("db_path"), info.get("files"), info.get("data_file"))
    res = client.score_groups(task, [dict(fields, group="0", prompt="", candidates=[solution_str])])[0]
    return _verl_result(client, task, None if res is None else res["candidates"][0])


def compute_score_batch(data_sources, solution_strs, ground_truths, extra_infos=None, **kwargs):
    """verl batch reward manager: one result dict per response; responses to one prompt form one group."""
    client = default_client()
    extra_infos = extra_infos if extra_infos is not None else [None] * len(solution_strs)
    groups = {}
    for i, (ds, sol, gt, info) in enumerate(zip(data_sources, solution_strs, ground_truths, extra_infos)):
        info = info or {}
        task = _task_of(ds, info.get("task") or os.environ.get("REWARD_LENS_TASK", "sql"))
        fields = _group_fields(task, gt, info.get("db_path"), info.get("files"), info.get("data_file"))
        key = (task, json.dumps([info.get("index"), info.get("record_id"), fields], sort_keys=True, default=str))
        g = groups.setdefault(key, {"task": task, "fields": fields, "candidates": [], "at": []})
        g["candidates"].append(sol)
        g["at"].append(i)
    out = [None] * len(solution_strs)
    by_task = {}
    for g in groups.values():
        by_task.setdefault(g["task"], []).append(g)
    for task, gs in by_task.items():
        res = client.score_groups(task, [dict(g["fields"], group=str(k), prompt="", candidates=g["candidates"]) for k, g in enumerate(gs)])
        for g, r in zip(gs, res):
            for j, i in enumerate(g["at"]):
                out[i] = _verl_result(client, task, None if r is None else r["candidates"][j])
    return out


# -- OpenRLHF ---------------------------------------------------------------------------------------------------
def reward_func(queries, prompts, labels, **kwargs):
    """OpenRLHF ``--remote_rm_url reward_lens_client.py``: the server's /get_reward for these samples.
    Returns {"rewards", "scores", "extra_logs"} (torch tensors when torch is installed, as OpenRLHF's example does)."""
    r = default_client().get_reward(queries, prompts, labels)
    try:
        import torch  # optional: the trainer has it; without it the lists come back as they are
    except ImportError:
        return r
    return {
        "rewards": torch.tensor(r["rewards"], dtype=torch.float32),
        "scores": torch.tensor(r["scores"], dtype=torch.float32),
        "extra_logs": {k: torch.tensor(v, dtype=torch.float32) for k, v in r["extra_logs"].items()},
    }
