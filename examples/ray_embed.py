#!/usr/bin/env python3
"""Embeds a corpus on Ray Data with a pool of sembed actors and writes Parquet (id, text, embedding).

  python examples/ray_embed.py --input corpus.txt --output out/ --actors 2 --cpus-per-actor 1
  python examples/ray_embed.py --input corpus.parquet --id-column doc_id --output out/
  RAY_ADDRESS=auto python examples/ray_embed.py ...        # on an existing cluster

A .txt input has one text per line; its ids are the line numbers (read by the driver, so keep
text inputs small). A Parquet input (a file or a folder of files) is read in parallel and must
hold a text column and an id column. Each actor loads the model once and encodes with as many
threads as --cpus-per-actor (Ray sets OMP_NUM_THREADS, which sembed follows). docs/scale-out.md.
"""
import argparse
import json
import time

import ray

from sembed.ray_data import Embedder


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--input", required=True, help=".txt (one text per line) or Parquet file/folder")
    ap.add_argument("--output", required=True, help="folder for the Parquet output")
    ap.add_argument("--model", default=None, help="model directory (default: sembed's default model)")
    ap.add_argument("--text-column", default="text")
    ap.add_argument("--id-column", default="id")
    ap.add_argument("--actors", type=int, default=2)
    ap.add_argument("--cpus-per-actor", type=int, default=1)
    ap.add_argument("--batch-size", type=int, default=256, help="rows per map_batches call")
    ap.add_argument("--normalize", action="store_true", help="normalize_embeddings=True")
    ap.add_argument("--num-cpus", type=int, default=None, help="CPUs of a local Ray (ray.init(num_cpus=...))")
    args = ap.parse_args()

    ray.init(num_cpus=args.num_cpus, include_dashboard=False, ignore_reinit_error=True)
    if args.input.endswith(".txt"):
        with open(args.input, encoding="utf-8") as f:
            rows = [{args.id_column: i, args.text_column: line.rstrip("\n")} for i, line in enumerate(f)]
        ds = ray.data.from_items(rows)
    else:
        ds = ray.data.read_parquet(args.input, columns=[args.id_column, args.text_column])

    start = time.perf_counter()
    ds = ds.map_batches(
        Embedder,
        fn_constructor_kwargs={
            "model": args.model,
            "text_column": args.text_column,
            "encode_kwargs": {"normalize_embeddings": args.normalize},
        },
        concurrency=args.actors,
        num_cpus=args.cpus_per_actor,
        batch_size=args.batch_size,
    )
    ds.write_parquet(args.output)
    seconds = time.perf_counter() - start
    rows = ray.data.read_parquet(args.output).count()
    print(json.dumps({"rows": rows, "seconds": round(seconds, 3), "rows_per_s": round(rows / seconds, 1),
                      "actors": args.actors, "cpus_per_actor": args.cpus_per_actor}))


if __name__ == "__main__":
    main()
