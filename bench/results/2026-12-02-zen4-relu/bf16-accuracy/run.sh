cd /work/main
for s in 0 1 2; do
  node dist/cli/main.js train --method simclr --data fashion-mnist --encoder resnet10-w32 --steps 300 --batch-size 256 --lr 0.1 --temperature 0.1 --seed $s --precision bf16 --out /work/bf16/real-tx-bf16-seed-$s > /work/bf16/train-$s.log 2>&1
  node dist/cli/main.js eval --encoder /work/bf16/real-tx-bf16-seed-$s --transfer mnist --out /work/bf16/real-tx-bf16-seed-$s/metrics.json > /work/bf16/eval-$s.log 2>&1
done
echo done > /work/bf16/done
