"""`newswire bench`: the end-to-end benchmark, measured against the plain-Python floor in the same run.

Each run, in a temporary folder:

1. a private Redis: NEWSWIRE_REDIS_URL when set (with a stream prefix of the run's own, whose keys are
   deleted afterwards), else an embedded server on a temporary data folder; and a fresh SQLite file.
   The bench always uses SQLite (NEWSWIRE_DATABASE_URL is ignored): the floor uses SQLite too, so the
   ratio compares like with like. Other NEWSWIRE_* settings (e.g. NEWSWIRE_BATCH_SIZE) reach the services.
2. `newswire ingest`, `newswire store` and `newswire enrich` as separate processes, as deployed, with
   NEWSWIRE_SETTLE_S=0 (the files arrive by rename). Ready means: each process's heartbeat file exists,
   both consumer groups have their consumer, and one probe article went all the way to articles:enriched
   (which proves the watcher is watching and warms every stage up).
3. N synthetic articles (newswire_tools.corpus, generated once, copied per run) are read once (so each
   measurement starts with them in the page cache, as freshly dropped files are) and renamed into the inbox.
   Each stage's rate is read off its output stream: entries between its first and its last entry id
   (Redis stamps ids with its clock in ms), so every stage reports its own rate. A stage cannot outrun
   the stage before it, so a rate close to the upstream one means "at least this fast". "done after" is
   the time from the first rename to the stream's N-th entry; end-to-end is N / that time for enriched.
4. Peak RSS (VmHWM) of each service, then SIGTERM.
5. Each stage alone, on fresh streams and a fresh database: `newswire ingest` with nothing downstream
   until articles:raw holds the N articles, then `newswire store` on that full stream (enrich is not
   run: it is the slowest stage, so its pipelined figure is already its own). In the pipelined run a
   stage is bounded by the one before it and shares the CPU with all of them; alone, the figure is
   the stage's own throughput.
6. The floor (shared/bench/floor.py: the same three stages with nothing but redis-py and sqlite3) on a copy of
   the same articles, on a Redis database number nothing else uses; then its watcher alone and its
   store stage alone (newswire_tools.bench_floor). Ratios are newswire / floor within the run, against the
   floor's end-to-end figure (what floor.py reports) and, for the stages alone, against the same floor
   stage alone too; the table shows the median of each figure over the runs.

`--floor ""` skips the floor. NEWSWIRE_BENCH_ENRICH_PROCS=2 also measures newswire with two enrich
processes (a second line). NEWSWIRE_BENCH_FLOOR_REDIS_URL chooses the floor's Redis database.

The command, by role:

- run: the command (the corpus, the runs, a Redis server per run);
- procs: newswire's service processes (start, liveness, peak RSS, stop) and their environment;
- files: the articles copied and read before a measurement;
- streams: rates read off the streams (entry ids), and the run's keys deleted;
- measure: newswire measured, pipelined and each stage alone (ready, probe, waits);
- measure_floor: the floor measured, end to end and its stages alone;
- report: ratios, medians, the table and the JSON;
- enrichers: milliseconds per article of each enricher;
- wait: waiting on a condition, and BenchError.
"""

from newswire_tools.bench.run import run_bench

__all__ = ["run_bench"]
