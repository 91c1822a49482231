#!/bin/sh
# Splits a `perf record` profile of the offline filter into stages, in CPU ms per frame.
#
#   perf record -F 999 -o perf.data -- node_modules/deno/deno run -A src/cli.ts filter \
#     in.mp4 out.mp4 --filter boxblur=radius=5:passes=1 --codec native --preset ultrafast
#   scripts/bench/perf_stages.sh perf.data 300
#
# At -F 999 one sample is ~1 ms of CPU. Samples are split by process and thread name (perf names
# Deno's threads `deno` (main), `worker-N` (filter threads), `V8 DefaultWorke` (GC, compiling)),
# and the main thread's by its leaf symbol: kernel copies and wake-ups of the frame channel, user
# copies/zeroing/page faults, everything else (JS, V8, Deno ops), and start-up (before the
# decoder's ffmpeg ran). Of the two busiest ffmpeg processes, the one started first is the
# encoder (vframe opens it before the decoder).
perf script -i "$1" -F comm,pid,tid,time,ip,sym,dso 2>/dev/null | awk -v frames="${2:-300}" '
function cat(line, k) {
  if (k) {
    if (line ~ /copy_to_iter|copy_from_iter|copy_mc|copy_user|pipe_read|pipe_write|unix_stream|skb|sock/) return "io";
    if (line ~ /page_fault|clear_page|anonymous_page|handle_mm|alloc_pages|alloc_frozen|folio|memcg|uncharge|charge|lruvec|rmqueue|free_frozen|free_pages|free_unref|zap|unmap|tlb|mas_|vma|pte/) return "mem";
    return "io";
  }
  if (line ~ /memmove|memcpy|memset/) return "mem";
  if (line ~ /malloc|free|_int_|calloc/) return "mem";
  return "js";
}
{ line=$0; n++; L[n]=line;
  match(line, /[0-9]+\/[0-9]+ +[0-9]+\.[0-9]+:/); s=substr(line, RSTART, RLENGTH); split(s, a, /[\/ :]+/); pid[n]=a[1]; t[n]=a[3];
  c=line; sub(/^ +/, "", c); split(c, w, / +[0-9]+\//); comm[n]=w[1];
  if (comm[n]=="ffmpeg" || comm[n]=="ffprobe") { cnt[pid[n]]++; if (!(pid[n] in first)) first[pid[n]]=t[n]; kind[pid[n]]=comm[n] }
}
END {
  # the two busiest ffmpeg processes: earlier one = encoder (opened first), later = decoder
  big1=""; big2="";
  for (p in cnt) if (kind[p]=="ffmpeg") { if (big1=="" || cnt[p]>cnt[big1]) { big2=big1; big1=p } else if (big2=="" || cnt[p]>cnt[big2]) big2=p }
  if (first[big1] < first[big2]) { enc=big1; dec=big2 } else { enc=big2; dec=big1 }
  t0=first[dec];
  for (i=1;i<=n;i++) {
    line=L[i]; k=(line ~ /kernel/); c=comm[i];
    if (pid[i]==dec) s="ffmpeg decoder";
    else if (pid[i]==enc) s="ffmpeg encoder";
    else if (c=="ffmpeg" || c=="ffprobe") s="ffprobe / ffmpeg -version (start-up)";
    else if (c ~ /^worker-/) s = (line ~ /JIT|unknown/ && !k) ? "filter threads: wasm kernels" : "filter threads: copies in/out of wasm, messages";
    else if (c ~ /V8 DefaultWorke/) s="V8 background (GC, JIT compiling)";
    else if (c=="deno" && t[i] < t0) s="deno main: start-up (modules, spawning)";
    else if (c=="deno") { x=cat(line,k); s = (x=="io") ? "deno main: frame I/O in the kernel (pipes/sockets, wake-ups)" : (x=="mem") ? "deno main: copies, zeroing, page faults, malloc" : "deno main: JS/V8 (streams, promises, ops, GC)" }
    else s="other (" c ")";
    S[s]++; tot++
  }
  for (s in S) printf "%-62s %5.2f\n", s, S[s]/frames; printf "%-62s %5.2f\n", "TOTAL", tot/frames
}' | sort
