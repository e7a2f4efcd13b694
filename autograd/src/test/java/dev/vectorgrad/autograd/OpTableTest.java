package dev.vectorgrad.autograd;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The generators really produce the shapes the property tests promise. */
class OpTableTest {
    @Test
    void broadcastingGeneratorCoversTailsSizeOneAndBroadcastDims() {
        SplittableRandom r = new SplittableRandom(1);
        boolean tail = false, one = false, broadcast = false, rankDiff = false, rank3 = false;
        for (int i = 0; i < 300; i++) {
            int[] c = r.ints(16, 0, 100).toArray();
            OpTable.Instance inst = OpTable.OPS.get("add").apply(new OpTable.Draw(c));
            int[] a = inst.inputs().get(0).shape(), b = inst.inputs().get(1).shape();
            for (int[] s : new int[][] {a, b}) {
                for (int d : s) {
                    tail |= d == 7 || d == 13 || d == 17;
                    one |= d == 1;
                }
                rank3 |= s.length == 3;
            }
            rankDiff |= a.length != b.length;
            broadcast |= a.length == b.length && !Arrays.equals(a, b);
        }
        assertTrue(tail && one && broadcast && rankDiff && rank3,
                "tail " + tail + " one " + one + " broadcast " + broadcast + " rankDiff " + rankDiff + " rank3 " + rank3);
    }

    @Test
    void smallestChoicesGiveTheSmallestShape() {
        OpTable.Instance inst = OpTable.OPS.get("exp").apply(new OpTable.Draw(new int[16]));
        assertTrue(Arrays.equals(new int[] {1}, inst.inputs().get(0).shape()), inst.toString());
    }
}
