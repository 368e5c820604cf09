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
3. N synthetic articles (newswire_tools.corpus, generated once, copied per run into a folder beside
   the inbox) are read once (so each measurement starts with them in the page cache, as freshly
   dropped files are) and land in the inbox by one rename: their folder moved in whole.
   Each stage's rate is read off its output stream: entries between its first and its last entry id
   (Redis stamps ids with its clock in ms), so every stage reports its own rate. A stage cannot outrun
   the stage before it, so a rate close to the upstream one means "at least this fast". "done after" is
   the time from the rename to the stream's N-th entry; end-to-end is N / that time for enriched.
4. Memory, sampled every 0.5 s while the bench waits: per service, the peak RSS (VmHWM) of the service
   process, the largest peak RSS among its worker processes (the fork server's children) and the largest
   total PSS (/proc/PID/smaps_rollup) of its whole process tree (service, fork server, workers); then
   SIGTERM. Each stage's entry times are read off the streams (for the plot) before the keys go.
5. The scale-out run (on by default; `--no-scale-out` skips it): the same pipelined measurement with
   2 store and 2 enrich processes (consumers bench-store-1.., bench-enrich-1..); the table sets each
   stage's rate beside the 1+1 figure, with the ratio.
6. Each stage alone, on fresh streams and a fresh database: `newswire ingest` with nothing downstream
   until articles:raw holds the N articles, then `newswire store` on that full stream (enrich is not
   run: it is the slowest stage, so its pipelined figure is already its own). In the pipelined run a
   stage is bounded by the one before it and shares the CPU with all of them; alone, the figure is
   the stage's own throughput.
7. Drop-to-enriched latency at a steady arrival rate (`--latency-rate`, `--latency-seconds`; 0 turns it off).
8. The floor: newswire_tools/floor.py, shipped with the project (the same three stages with nothing but
   redis-py and sqlite3), or the script given with `--floor PATH`, on a copy of the same articles, on a
   Redis database number nothing else uses; then its watcher alone and its store stage alone
   (newswire_tools.bench_floor). Ratios are newswire / floor within the run, against the floor's
   end-to-end figure (what floor.py reports) and, for the stages alone, against the same floor stage
   alone too; the table shows the median of each figure over the runs. When ../shared/bench/floor.py
   exists beside the checkout (or `--check-floor PATH` names a script), that floor is measured in the
   same run too, right beside ours (which goes first alternates from run to run), and the table gives
   "shipped floor / shared floor": within 0.9-1.1 the two agree within noise.
9. The plot (`--plot FILE`; by default bench.png in the current folder, or next to `--json` with its
   name; `--plot ''` turns it off): each stage's throughput over time (entries per 0.5 s bin, finer for
   a run under 5 s) for newswire 1+1, newswire 2+2 and the floor, and the latency distribution
   (histogram and cumulative fraction, p50/p95/p99 marked), from the last run. It needs matplotlib (the
   dev dependency group); without it the bench says so in one line and goes on.

`--floor ""` skips the floor. NEWSWIRE_BENCH_FLOOR_REDIS_URL chooses the floor's Redis database.
NEWSWIRE_BENCH_ENRICH_PROCS is no longer read: the scale-out run replaces it.

The command, by role:

- run: the command (the corpus, the runs, a Redis server per run);
- procs: newswire's service processes (start, liveness, peak RSS, memory of their trees, stop) and their
  environment;
- files: the articles copied and read before a measurement;
- streams: rates and entry times read off the streams (entry ids), and the run's keys deleted;
- measure: newswire measured, pipelined (1+1 or scaled out) and each stage alone (ready, probe, waits);
- latency: drop-to-enriched latency at a steady arrival rate;
- measure_floor: the floor measured, end to end and its stages alone;
- report: ratios, medians, the table and the JSON;
- plot: the PNG (matplotlib, imported only when it draws);
- enrichers: milliseconds per article of each enricher;
- wait: waiting on a condition, and BenchError.
"""

from newswire_tools.bench.run import run_bench

__all__ = ["run_bench"]
