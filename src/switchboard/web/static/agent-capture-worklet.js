/* AudioWorklet processor: the agent's microphone as PCM16 at the AudioContext's own rate.
 *
 * No resampling here: the server resamples the agent leg to 16 kHz with soxr
 * (switchboard/voice/human_line.py). Every 20 ms (sampleRate / 50 samples) the
 * processor posts {pcm: ArrayBuffer of Int16 LE, rms: Float} to the page.
 */
class Pcm16NativeProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.size = Math.round(sampleRate / 50);
    this.frame = new Int16Array(this.size);
    this.fill = 0;
    this.energy = 0;
  }

  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (!channel) return true;
    for (let i = 0; i < channel.length; i++) {
      const v = Math.max(-1, Math.min(1, channel[i]));
      this.frame[this.fill++] = v < 0 ? v * 0x8000 : v * 0x7fff;
      this.energy += v * v;
      if (this.fill === this.size) {
        const rms = Math.sqrt(this.energy / this.size);
        const out = this.frame;
        this.port.postMessage({ pcm: out.buffer, rms }, [out.buffer]);
        this.frame = new Int16Array(this.size);
        this.fill = 0;
        this.energy = 0;
      }
    }
    return true;
  }
}

registerProcessor("pcm16-native", Pcm16NativeProcessor);
