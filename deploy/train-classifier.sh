#!/usr/bin/env bash
# Trains the complaint classifier (docs/classifier.md) reproducibly from the shared corpus
# data/turkish-complaints/municipal-complaints-tr.csv and evaluates it on a held-out 20 %.
#   1. split: each row goes to the held-out part when sha256(text) mod 5 == 0 (stable across
#      runs and machines; duplicate texts always land on the same side);
#   2. tuning: the train part alone is split again (sha256("validation:" + text) mod 5 == 0) and
#      a small grid of fastText settings is scored by macro-F1 on that validation slice; the
#      held-out part is never looked at while choosing;
#   3. the best settings are retrained on the whole train part (-thread 1, fixed -seed: the same
#      input gives the same model bytes), saved as complaints.bin; with --quantize also as a
#      quantized complaints.ftz (about 3 more minutes on one core);
#   4. `classify --evaluate` prints accuracy, macro-F1 and per-label figures on the held-out part.
# Training lines come from `classify --write-training`, i.e. the C++ normalisation (ICU Turkish
# folding) that intake applies when it serves the model. Output in .teksin/classifier/.
# Usage: deploy/train-classifier.sh [--quantize] [--no-tune] [--if-missing] [--out DIR]
#   (the full run trains 8 grid settings: about 4 minutes of one core)
#   --no-tune     skip step 2 and train with BEST below (the settings the last tuning chose)
#   --if-missing  do nothing when DIR/complaints.bin was trained from the same training lines
#                 with the same settings (DIR/stamp); what the suite and the e2e fixture use
#   --out DIR     write to DIR instead of .teksin/classifier
# Needs the `fasttext` CLI and a built tools/classify (TEKSIN_BUILD_DIR, default build/).
set -euo pipefail
TEKSIN_LOG_TAG=classifier
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

SHARED_DIR="${TEKSIN_SHARED_DIR:-$(cd "${TEKSIN_ROOT}/.." && pwd -P)/shared}"
CORPUS="${SHARED_DIR}/data/turkish-complaints/municipal-complaints-tr.csv"
BUILD_DIR="${TEKSIN_BUILD_DIR:-${TEKSIN_ROOT}/build}"
CLASSIFY="${BUILD_DIR}/tools/classify"
OUT_ARG="${TEKSIN_STATE_DIR}/classifier"
quantize=0
tune=1
if_missing=0
while (($#)); do
  case "$1" in
    --quantize) quantize=1 ;;
    --no-tune) tune=0 ;;
    --if-missing) if_missing=1 ;;
    --out)
      [[ $# -ge 2 ]] || die "--out needs a folder"
      OUT_ARG="$2"
      shift
      ;;
    *) die "usage: deploy/train-classifier.sh [--quantize] [--no-tune] [--if-missing] [--out DIR]" ;;
  esac
  shift
done
OUT="$(abs_dir "${OUT_ARG}")"
SEED=20240601
FIXED=(-dim 50 -bucket 200000 -loss softmax -minCount 1 -thread 1 -seed "${SEED}" -verbose 0)
# The settings the last tuning run chose (docs/classifier.md): epoch lr wordNgrams minn maxn.
BEST="50 0.5 1 3 6"

[[ -f "${CORPUS}" ]] || die "corpus not found: ${CORPUS} (set TEKSIN_SHARED_DIR)"
command -v fasttext >/dev/null || die "fasttext CLI not installed (apt-get install fasttext)"
[[ -x "${CLASSIFY}" ]] || die "${CLASSIFY} not built (ninja -C ${BUILD_DIR} classify)"

info "splitting ${CORPUS}"
python3 - "${CORPUS}" "${OUT}" <<'PY'
import csv, hashlib, sys
corpus, out = sys.argv[1], sys.argv[2]
def bucket(s):
    return int(hashlib.sha256(s.encode("utf-8")).hexdigest()[:8], 16) % 5
with open(corpus, newline="", encoding="utf-8") as f:
    rows = [(r["label"], r["text"]) for r in csv.DictReader(f) if r["label"] and r["text"].strip()]
parts = {"train": [], "heldout": [], "train-fit": [], "validation": []}
for label, text in rows:
    if bucket(text) == 0:
        parts["heldout"].append((label, text))
        continue
    parts["train"].append((label, text))
    parts["validation" if bucket("validation:" + text) == 0 else "train-fit"].append((label, text))
for name, items in parts.items():
    with open(f"{out}/{name}.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["label", "text"])
        w.writerows(items)
print(" ".join(f"{k}={len(v)}" for k, v in parts.items()))
PY

"${CLASSIFY}" --write-training "${OUT}/train.csv" >"${OUT}/train.txt" 2>/dev/null
"${CLASSIFY}" --write-training "${OUT}/train-fit.csv" >"${OUT}/train-fit.txt" 2>/dev/null

if ((!tune)) && ((if_missing)) && [[ -f "${OUT}/complaints.bin" && -f "${OUT}/stamp" ]]; then
  want="$( (cat "${OUT}/train.txt"; echo "${BEST} ${FIXED[*]}") | sha256sum | cut -c1-64)"
  if [[ "$(cat "${OUT}/stamp")" == "${want}" ]]; then
    info "model up to date: ${OUT}/complaints.bin"
    exit 0
  fi
fi

# Candidate settings: epoch lr wordNgrams minn maxn.
GRID=(
  "25 0.5 1 0 0"
  "25 0.5 2 0 0"
  "25 0.5 1 2 5"
  "25 0.5 2 2 5"
  "50 0.5 2 2 5"
  "25 1.0 2 2 5"
  "50 1.0 2 3 6"
  "50 0.5 1 3 6"
)
best_f1=-1
best="${BEST}"
((tune)) && info "tuning on train-fit / validation (held-out untouched)"
((tune)) || GRID=()
for g in "${GRID[@]}"; do
  read -r epoch lr ngrams minn maxn <<<"${g}"
  fasttext supervised -input "${OUT}/train-fit.txt" -output "${OUT}/tune" "${FIXED[@]}" \
    -epoch "${epoch}" -lr "${lr}" -wordNgrams "${ngrams}" -minn "${minn}" -maxn "${maxn}" >/dev/null
  f1="$("${CLASSIFY}" --model "${OUT}/tune.bin" --evaluate "${OUT}/validation.csv" |
    awk -F'\t' '$1=="macro_f1"{print $2}')"
  info "  epoch=${epoch} lr=${lr} wordNgrams=${ngrams} minn=${minn} maxn=${maxn}: validation macro-F1 ${f1}"
  if python3 -c "import sys; sys.exit(0 if float('${f1}') > float('${best_f1}') else 1)"; then
    best_f1="${f1}"
    best="${g}"
  fi
done
rm -f "${OUT}/tune.bin" "${OUT}/tune.vec"

read -r epoch lr ngrams minn maxn <<<"${best}"
SETTINGS="-epoch ${epoch} -lr ${lr} -wordNgrams ${ngrams} -minn ${minn} -maxn ${maxn} ${FIXED[*]}"
if ((tune)); then
  info "best: ${SETTINGS} (validation macro-F1 ${best_f1}); training on the whole train part"
else
  info "settings: ${SETTINGS} (no tuning); training on the whole train part"
fi
# shellcheck disable=SC2086
fasttext supervised -input "${OUT}/train.txt" -output "${OUT}/complaints" ${SETTINGS} >/dev/null
rm -f "${OUT}/complaints.vec" "${OUT}/complaints.ftz"
if ((quantize)); then
  fasttext quantize -input "${OUT}/train.txt" -output "${OUT}/complaints" -qnorm >/dev/null
fi
echo "${SETTINGS}" >"${OUT}/settings.txt"
(cat "${OUT}/train.txt"; echo "${best} ${FIXED[*]}") | sha256sum | cut -c1-64 >"${OUT}/stamp"
info "model: ${OUT}/complaints.bin (sha256 $(sha256sum "${OUT}/complaints.bin" | cut -c1-16))"

info "held-out evaluation (complaints.bin)"
"${CLASSIFY}" --model "${OUT}/complaints.bin" --evaluate "${OUT}/heldout.csv"
if ((quantize)); then
  info "held-out evaluation (complaints.ftz, quantized)"
  "${CLASSIFY}" --model "${OUT}/complaints.ftz" --evaluate "${OUT}/heldout.csv" | head -n 3
fi
