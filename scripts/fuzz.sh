#!/usr/bin/env bash
# Fuzzes dnr's loaders with libFuzzer + AddressSanitizer (Sources/dnr-fuzz/Fuzz.swift).
# Usage: scripts/fuzz.sh [SECONDS per target, default 600] [TARGET…]
# Seed corpora come from the test fixtures and Models/; new inputs go to .build/fuzz-corpus/TARGET and
# crashes to .build/fuzz-crashes/TARGET (copy a reproducer to Tests/*/Fixtures/fuzz/ and add a test).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}; shift || true
targets=("$@"); [ ${#targets[@]} -gt 0 ] || targets=(png jpeg safetensors weights dat detector landmarks theme modelcard runrecord)
# Coverage instrumentation and ASan everywhere, libFuzzer without its main (SwiftPM links executables
# through their own entry point, which hands over to LLVMFuzzerRunDriver).
runtime=$(dirname "$(dirname "$(command -v swift)")")/lib/clang
runtime=$(find "$runtime" -name "libclang_rt.fuzzer_no_main-x86_64.a" | head -1)
swift build --product dnr-fuzz --build-path .build/fuzz -Xswiftc -sanitize=address \
    -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp -Xswiftc -DFUZZING \
    -Xlinker "$runtime" -Xlinker -lstdc++ 2>&1 | grep -v "ld.gold: warning" | tail -1
binary=.build/fuzz/debug/dnr-fuzz
seeds() {
  case $1 in
    png) find Tests Samples -name "*.png" -size -64k ;;
    jpeg) find Tests Samples -name "*.jpg" -size -64k ;;
    safetensors) echo Models/mask.safetensors ;;
    weights) echo Models/mask.safetensors ;;  # a whole weights file: configuration, then strict loading
    dat) head -c 200000 Models/dlib_face_recognition_resnet_model_v1.dat > .build/fuzz-dat-seed; echo .build/fuzz-dat-seed ;;  # its first layers
    detector) echo Models/mmod_human_face_detector.dat ;;
    landmarks) head -c 100000 Models/shape_predictor_5_face_landmarks.dat > .build/fuzz-landmarks-seed; echo .build/fuzz-landmarks-seed ;;  # its first trees
    theme) find Themes -type f -name "*.theme" ;;
    modelcard) find Models -name "*.card.json" ;;
    runrecord) printf '%s' '{"data":"faces","split":"dev","seed":7,"methods":["bicubic","ipc","net4"],"startStep":400,"steps":25,"scale":1000,"delta":0.04,"sampler":"ddpm","weights":["ipc.safetensors 67ed"]}' > .build/fuzz-run-seed.json
               echo .build/fuzz-run-seed.json ;;
  esac
}
for t in "${targets[@]}"; do
  corpus=.build/fuzz-corpus/$t; crashes=.build/fuzz-crashes/$t
  mkdir -p "$corpus" "$crashes"
  seeds "$t" | while read -r f; do cp "$f" "$corpus/seed-$(basename "$f")"; done
  echo "== $t ($seconds s)"
  DNR_FUZZ_TARGET=$t SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0 "$binary" "$corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
      -max_len=262144 -artifact_prefix="$crashes/" -print_final_stats=1 2>&1 \
      | grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|==.*ERROR|SUMMARY|Done)|Test unit written|deadly signal|timeout|out-of-memory" || true
done
