import * as tf from '@tensorflow/tfjs';
import { lstmCellBackward, lstmCellForward } from './lstm-cell-kernels';
import { LstmSequenceMath, LstmForwardResult, LstmGradients, LstmSequenceInputs } from './lstm-sequence-math';

/**
 * LSTM on tfjs ops: the input projection of all T steps is one matMul; each step is one
 * [B,H]×[H,4H] matMul plus one cell kernel; backward runs the cell-backward kernel per step and
 * then computes the weight gradients as three large matMuls over all T·B rows. No matMul uses a
 * transposed operand (those fall to a scalar path on wasm): transposes are explicit.
 */
export class TfjsLstmMath implements LstmSequenceMath {
  readonly name = 'fused' as const;
  readonly supportsRecurrentDropout = true;

  forward(inp: LstmSequenceInputs, returnSequences: boolean, needGrad: boolean): LstmForwardResult {
    const { xTm, kernel, recurrentKernel, bias, recurrentMask } = inp;
    const [T, B, I] = xTm.shape;
    const H = recurrentKernel.shape[0];
    return tf.tidy(() => {
      const zx = tf.reshape(
        tf.fused.matMul({ a: tf.reshape(xTm, [T * B, I]), b: kernel, bias }),
        [T, B, 4 * H],
      ) as tf.Tensor3D;
      const keepSteps = needGrad || returnSequences;
      const gates: tf.Tensor[] = [];
      const cs: tf.Tensor[] = [];
      const hs: tf.Tensor[] = [];
      let c: tf.Tensor2D = tf.zeros([B, H]);
      let h: tf.Tensor2D | null = null;
      const r0 = tf.zeros([B, 4 * H]) as tf.Tensor2D;
      for (let t = 0; t < T; t++) {
        let r = r0;
        if (h) {
          const hIn = recurrentMask ? tf.mul(h, recurrentMask) : h;
          r = tf.matMul(hIn, recurrentKernel);
          if (hIn !== h) hIn.dispose();
        }
        const [g, c2, h2] = lstmCellForward(zx, r, c, t);
        if (r !== r0) r.dispose();
        if (needGrad) {
          gates.push(g);
          cs.push(c2);
        } else {
          g.dispose();
          c.dispose();
        }
        if (keepSteps) hs.push(h2);
        else if (h) h.dispose();
        c = c2;
        h = h2;
      }
      // The per-step pieces are freed by the tidy (the last h may be the output).
      const stack = (xs: tf.Tensor[], w: number) => tf.reshape(tf.concat(xs, 0), [T, B, w]);
      const hsAll = keepSteps ? stack(hs, H) : null;
      const y = returnSequences ? hsAll! : h!;
      const saved = needGrad ? [stack(gates, 4 * H), stack(cs, H), hsAll!] : [];
      return { y, saved };
    });
  }

  backward(dy: tf.Tensor, inp: LstmSequenceInputs, saved: tf.Tensor[], returnSequences: boolean): LstmGradients {
    const { xTm, kernel, recurrentKernel, recurrentMask } = inp;
    const [gates, cs, hs] = saved as tf.Tensor3D[];
    const [T, B, I] = xTm.shape;
    const H = recurrentKernel.shape[0];
    return tf.tidy(() => {
      const uT = tf.transpose(recurrentKernel) as tf.Tensor2D;
      let dh: tf.Tensor2D = returnSequences ? tf.zeros([B, H]) : (dy as tf.Tensor2D);
      let dc: tf.Tensor2D = tf.zeros([B, H]);
      const dzs: tf.Tensor[] = new Array(T);
      for (let t = T - 1; t >= 0; t--) {
        const [dz, dcPrev] = lstmCellBackward(gates, cs, dh, dc, returnSequences ? (dy as tf.Tensor3D) : null, t);
        dc.dispose();
        dc = dcPrev;
        if (dh !== dy) dh.dispose();
        if (t > 0) {
          const r = tf.matMul(dz, uT) as tf.Tensor2D;
          dh = recurrentMask ? (tf.mul(r, recurrentMask) as tf.Tensor2D) : r;
          if (dh !== r) r.dispose();
        }
        dzs[t] = dz;
      }
      const dZ = tf.concat(dzs, 0) as tf.Tensor2D; // [T·B, 4H], rows in (t, b) order
      for (const d of dzs) d.dispose();
      const dBias = tf.sum(dZ, 0) as tf.Tensor1D;
      // h_{t-1} for every step: a zero state, then h_0 … h_{T-2}.
      let hPrev: tf.Tensor2D = tf.concat([tf.zeros([B, H]), tf.slice(tf.reshape(hs, [T * B, H]), [0, 0], [(T - 1) * B, H])], 0) as tf.Tensor2D;
      if (recurrentMask) hPrev = tf.reshape(tf.mul(tf.reshape(hPrev, [T, B, H]), recurrentMask), [T * B, H]) as tf.Tensor2D;
      const dRecurrentKernel = tf.matMul(tf.transpose(hPrev), dZ) as tf.Tensor2D;
      const x2 = tf.reshape(xTm, [T * B, I]);
      const dKernel = tf.matMul(tf.transpose(x2), dZ) as tf.Tensor2D;
      const dxTm = tf.reshape(tf.matMul(dZ, tf.transpose(kernel)), [T, B, I]) as tf.Tensor3D;
      return { dxTm, dKernel, dRecurrentKernel, dBias };
    });
  }
}
