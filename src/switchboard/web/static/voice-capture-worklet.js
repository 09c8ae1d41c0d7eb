/* AudioWorklet processor: microphone → 16 kHz PCM16 frames for the voice socket.
 *
 * Runs on the audio rendering thread. Input arrives in 128-sample blocks at the
 * AudioContext's rate (typically 48 kHz or 44.1 kHz). Each output sample is the
 * mean of the input samples it spans (integrate-and-dump decimation: a box
 * low-pass filter, so content above 8 kHz does not fold back into speech), which
 * also handles ratios that are not whole numbers (44.1 kHz / 16 kHz = 2.756…).
 * Every FRAME_SAMPLES output samples (20 ms) the processor posts
 * {pcm: ArrayBuffer of Int16 LE, rms: Float} to the page.
 */
const TARGET_RATE = 16000;
const FRAME_SAMPLES = 320; // 20 ms at 16 kHz

class Pcm16CaptureProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.ratio = sampleRate / TARGET_RATE; // input samples per output sample
    this.acc = 0; // sum of input samples in the current output span
    this.span = 0; // input samples (fractional) accumulated in the span
    this.frame = new Int16Array(FRAME_SAMPLES);
    this.fill = 0;
    this.energy = 0;
  }

  emit(value) {
    const clamped = Math.max(-1, Math.min(1, value));
    this.frame[this.fill++] = clamped < 0 ? clamped * 0x8000 : clamped * 0x7fff;
    this.energy += clamped * clamped;
    if (this.fill === FRAME_SAMPLES) {
      const rms = Math.sqrt(this.energy / FRAME_SAMPLES);
      const out = this.frame;
      this.port.postMessage({ pcm: out.buffer, rms }, [out.buffer]);
      this.frame = new Int16Array(FRAME_SAMPLES);
      this.fill = 0;
      this.energy = 0;
    }
  }

  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (!channel) return true;
    for (let i = 0; i < channel.length; i++) {
      const room = this.ratio - this.span; // how much of this sample the span still takes
      if (room > 1) {
        this.acc += channel[i];
        this.span += 1;
      } else {
        this.acc += channel[i] * room;
        this.emit(this.acc / this.ratio);
        const rest = 1 - room; // the remainder of this sample starts the next span
        this.acc = channel[i] * rest;
        this.span = rest;
      }
    }
    return true;
  }
}

registerProcessor("pcm16-capture", Pcm16CaptureProcessor);
