/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <semcom/waveform.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace semcom {

std::vector<float> root_raised_cosine(unsigned sps, float rolloff, unsigned span)
{
    WaveformConfig c;
    c.sps = sps;
    c.rolloff = rolloff;
    c.span = span;
    c.validate();
    const double b = rolloff;
    const std::size_t n = std::size_t(span) * sps + 1;
    std::vector<double> h(n);
    for (std::size_t i = 0; i < n; ++i) {
        const double t = (double(i) - double(n - 1) / 2.0) / sps; // in symbols
        if (std::abs(t) < 1e-9)
            h[i] = 1.0 - b + 4.0 * b / M_PI;
        else if (std::abs(std::abs(t) - 1.0 / (4.0 * b)) < 1e-9)
            h[i] = b / std::sqrt(2.0) *
                   ((1.0 + 2.0 / M_PI) * std::sin(M_PI / (4.0 * b)) + (1.0 - 2.0 / M_PI) * std::cos(M_PI / (4.0 * b)));
        else
            h[i] = (std::sin(M_PI * t * (1.0 - b)) + 4.0 * b * t * std::cos(M_PI * t * (1.0 + b))) /
                   (M_PI * t * (1.0 - 16.0 * b * b * t * t));
    }
    const double e = std::sqrt(std::inner_product(h.begin(), h.end(), h.begin(), 0.0));
    std::vector<float> out(n);
    for (std::size_t i = 0; i < n; ++i)
        out[i] = static_cast<float>(h[i] / e);
    return out;
}

void WaveformConfig::validate() const
{
    if (sps < 2 || sps > 16)
        throw std::invalid_argument("waveform: samples per symbol must be in 2..16, got " + std::to_string(sps));
    if (!(rolloff > 0.0f && rolloff <= 1.0f))
        throw std::invalid_argument("waveform: roll-off must be in (0, 1], got " + std::to_string(rolloff));
    if (span < 2 || span > 64 || span % 2)
        throw std::invalid_argument("waveform: pulse span must be even, 2..64 symbols, got " + std::to_string(span));
    if (equaliser_span < 2 || equaliser_span > 16 || equaliser_span % 2)
        throw std::invalid_argument("waveform: equaliser span must be even, 2..16 symbols, got " +
                                    std::to_string(equaliser_span));
}

PulseShaper::PulseShaper(const WaveformConfig& config)
    : d_sps(config.sps), d_taps(root_raised_cosine(config.sps, config.rolloff, config.span))
{
    config.validate();
}

std::vector<cfloat> PulseShaper::shape(const cfloat* symbols, std::size_t n) const
{
    const std::size_t T = d_taps.size();
    std::vector<cfloat> out(n ? (n - 1) * d_sps + T + d_sps - 1 : 0);
    // polyphase in effect: each symbol adds the pulse at its own offset (no zero stuffing)
    for (std::size_t k = 0; k < n; ++k) {
        cfloat* o = out.data() + k * d_sps;
        const cfloat a = symbols[k];
        for (std::size_t j = 0; j < T; ++j)
            o[j] += a * d_taps[j];
    }
    return out;
}

FractionallySpacedEqualiser::FractionallySpacedEqualiser(unsigned sps, unsigned span_symbols)
    : d_sps(sps), d_half(std::size_t(span_symbols) * sps / 2), d_w(2 * d_half + 1)
{
    d_w[d_half] = 1.0;
}

bool FractionallySpacedEqualiser::train(const cfloat* x, std::size_t nx, std::size_t t0, const cfloat* known,
                                        std::size_t k)
{
    using cd = std::complex<double>;
    const std::size_t T = d_w.size();
    if (t0 < d_half || k == 0 || t0 + (k - 1) * d_sps + d_half >= nx)
        throw std::out_of_range("equaliser: training symbols outside the samples given");
    // Normal equations A w = b with A = sum conj(r) r^T, b = sum conj(r) p (r: the tap window).
    std::vector<cd> A(T * T, 0.0), b(T, 0.0);
    for (std::size_t i = 0; i < k; ++i) {
        const cfloat* r = x + t0 + i * d_sps - d_half;
        for (std::size_t a = 0; a < T; ++a) {
            const cd ca = std::conj(cd(r[a]));
            b[a] += ca * cd(known[i]);
            for (std::size_t c = a; c < T; ++c)
                A[a * T + c] += ca * cd(r[c]);
        }
    }
    double trace = 0.0;
    for (std::size_t a = 0; a < T; ++a)
        trace += A[a * T + a].real();
    if (!(trace > 0.0))
        return false;
    const double ridge = 1e-4 * trace / double(T);
    for (std::size_t a = 0; a < T; ++a) {
        A[a * T + a] += ridge;
        for (std::size_t c = 0; c < a; ++c)
            A[a * T + c] = std::conj(A[c * T + a]);
    }
    // Cholesky A = L L^H (L in the lower triangle of A), then two triangular solves.
    for (std::size_t j = 0; j < T; ++j) {
        double d = A[j * T + j].real();
        for (std::size_t m = 0; m < j; ++m)
            d -= std::norm(A[j * T + m]);
        if (!(d > 0.0))
            return false;
        const double l = std::sqrt(d);
        A[j * T + j] = l;
        for (std::size_t i = j + 1; i < T; ++i) {
            cd s = A[i * T + j];
            for (std::size_t m = 0; m < j; ++m)
                s -= A[i * T + m] * std::conj(A[j * T + m]);
            A[i * T + j] = s / l;
        }
    }
    std::vector<cd> z(T);
    for (std::size_t i = 0; i < T; ++i) {
        cd s = b[i];
        for (std::size_t m = 0; m < i; ++m)
            s -= A[i * T + m] * z[m];
        z[i] = s / A[i * T + i].real();
    }
    for (std::size_t i = T; i-- > 0;) {
        cd s = z[i];
        for (std::size_t m = i + 1; m < T; ++m)
            s -= std::conj(A[m * T + i]) * d_w[m];
        d_w[i] = s / A[i * T + i].real();
    }
    return true;
}

void FractionallySpacedEqualiser::apply(const cfloat* x, std::size_t nx, std::size_t t0, std::size_t first,
                                        std::size_t count, cfloat* y) const
{
    if (count == 0)
        return;
    if (t0 + first * d_sps < d_half || t0 + (first + count - 1) * d_sps + d_half >= nx)
        throw std::out_of_range("equaliser: symbols outside the samples given");
    const std::size_t T = d_w.size();
    for (std::size_t i = 0; i < count; ++i) {
        const cfloat* r = x + t0 + (first + i) * d_sps - d_half;
        std::complex<double> s = 0.0;
        for (std::size_t a = 0; a < T; ++a)
            s += d_w[a] * std::complex<double>(r[a]);
        y[i] = cfloat(s);
    }
}

WaveformReceiver::WaveformReceiver(const WaveformConfig& config, float threshold)
    : d_config(config),
      d_format(config.pilots),
      d_detector(d_format, threshold, config.sps),
      d_equaliser(config.sps, config.equaliser_span),
      d_taps(root_raised_cosine(config.sps, config.rolloff, config.span)),
      d_history(d_taps.size() - 1)
{
    config.validate();
}

std::vector<cfloat> WaveformReceiver::window(std::uint64_t from, std::size_t n, double cfo) const
{
    std::vector<cfloat> w(d_buf.begin() + std::ptrdiff_t(from - d_base),
                          d_buf.begin() + std::ptrdiff_t(from - d_base + n));
    // phase referred to the window's start: only differences within a burst matter
    BurstDetector::correct_cfo(w.data(), w.size(), float(cfo));
    return w;
}

bool WaveformReceiver::decode_header(std::uint64_t start, float cfo, FrameHeader& header,
                                     FractionallySpacedEqualiser& eq)
{
    const std::size_t sps = d_config.sps, h = d_equaliser.half();
    const std::size_t nsym = d_format.preamble().size() + FrameFormat::header_symbols;
    auto w = window(start - h, 2 * h + nsym * sps, cfo);
    if (!eq.train(w.data(), w.size(), h, d_format.preamble().data(), d_format.preamble().size())) {
        d_last_error = "equaliser: singular preamble fit";
        return false;
    }
    std::vector<cfloat> y(nsym);
    eq.apply(w.data(), w.size(), h, 0, nsym, y.data());
    auto parsed = d_format.parse_header(y.data(), y.size(), &d_last_error);
    if (!parsed)
        return false;
    header = *parsed;
    return true;
}

std::optional<WaveformReceiver::Frame> WaveformReceiver::finish(const Pending& p)
{
    const std::size_t sps = d_config.sps, h = d_equaliser.half();
    const auto known = d_format.known_symbols(p.header);
    const std::size_t K = known.size(), N = K + p.header.payload_symbols;
    auto w = window(p.start - h, 2 * h + N * sps, p.cfo);
    // 1. the header pass's fit on the preamble (same samples, same CFO): the known symbols'
    //    phase drift under it measures the CFO left over
    FractionallySpacedEqualiser eq = p.preamble_fit;
    std::vector<cfloat> y(N);
    eq.apply(w.data(), w.size(), h, 0, K, y.data());
    const std::size_t lag = std::min<std::size_t>(256, K / 2);
    std::complex<double> acc = 0.0;
    for (std::size_t i = 0; i + lag < K; ++i)
        acc += std::complex<double>(y[i + lag] * std::conj(known[i + lag])) *
               std::conj(std::complex<double>(y[i] * std::conj(known[i])));
    const double residual = std::arg(acc) / (2.0 * M_PI * double(lag)); // cycles per symbol
    const double cfo = p.cfo + residual / double(sps);
    // 2. remove it, refit on every known symbol, equalise the burst
    w = window(p.start - h, 2 * h + N * sps, cfo);
    if (!eq.train(w.data(), w.size(), h, known.data(), K)) {
        d_last_error = "equaliser: singular fit";
        return std::nullopt;
    }
    eq.apply(w.data(), w.size(), h, 0, N, y.data());
    Frame f;
    f.header = p.header;
    f.channel = estimate_from_pilots(y.data(), known.data(), K);
    f.payload.resize(p.header.payload_symbols);
    for (std::size_t i = 0; i < f.payload.size(); ++i)
        f.payload[i] = y[K + i] / f.channel.h;
    f.start = p.start - std::uint64_t(d_config.span) * sps / 2;
    f.cfo = static_cast<float>(cfo * sps);
    f.metric = p.metric;
    return f;
}

std::vector<WaveformReceiver::Frame> WaveformReceiver::push(const cfloat* x, std::size_t n)
{
    std::vector<Frame> out;
    // matched filter: y[m] = sum_j g[j] x[m - j], with the last taps - 1 samples as history
    const std::size_t T = d_taps.size();
    std::vector<cfloat> in(d_history);
    in.insert(in.end(), x, x + n);
    const std::size_t old = d_buf.size();
    d_buf.resize(old + n);
    for (std::size_t m = 0; m < n; ++m) {
        const cfloat* r = in.data() + m; // r[T - 1] is x[m]
        float re = 0.0f, im = 0.0f;
        for (std::size_t j = 0; j < T; ++j) { // (the pulse is symmetric: taps in either order)
            re += d_taps[j] * r[j].real();
            im += d_taps[j] * r[j].imag();
        }
        d_buf[old + m] = cfloat(re, im);
    }
    std::copy(in.end() - std::ptrdiff_t(T - 1), in.end(), d_history.begin());

    const std::size_t sps = d_config.sps, h = d_equaliser.half();
    const std::size_t L = FrameFormat::preamble_half * sps;
    const std::size_t header_end = (d_format.preamble().size() + FrameFormat::header_symbols) * sps + h + 1;
    for (;;) {
        if (d_pending) {
            const std::uint64_t end = d_pending->start + (d_format.overhead() + d_pending->header.payload_symbols) * sps;
            if (end + h + 1 > buffered_end())
                break; // the rest of the burst has not arrived
            if (auto f = finish(*d_pending)) {
                ++d_counters.frames;
                out.push_back(std::move(*f));
            }
            d_search = end;
            d_pending.reset();
            continue;
        }
        if (d_search < d_base + h)
            d_search = d_base + h;
        if (d_search >= buffered_end())
            break;
        const std::size_t from = std::size_t(d_search - d_base), avail = d_buf.size() - from;
        const auto found = d_detector.detect(d_buf.data() + from, avail);
        // a detection is trusted when the metric's peak search and the timing search lay in
        // the samples given, i.e. not in the last L + 8 sps lags
        const std::size_t reliable = avail > 3 * L + 8 * sps ? avail - 3 * L - 8 * sps : 0;
        if (found.empty() || found.front().start > reliable) {
            if (found.empty() && reliable > 0)
                d_search += reliable; // nothing there: search on from where a preamble could still start
            break;
        }
        const auto& det = found.front();
        const std::uint64_t start = d_search + det.start;
        if (start + header_end > buffered_end())
            break; // wait for the header
        ++d_counters.detected;
        FrameHeader header;
        FractionallySpacedEqualiser fit(d_equaliser);
        const float cfo = det.cfo / float(sps);
        if (decode_header(start, cfo, header, fit)) {
            d_pending = Pending{ start, cfo, det.metric, header, fit };
        } else {
            ++d_counters.header_errors;
            d_search = start + 2 * L; // past this preamble
        }
    }
    // keep what a burst in progress or the next search can still need
    std::uint64_t keep = d_pending ? d_pending->start : d_search;
    keep = keep > d_base + h + 8 * sps ? keep - h - 8 * sps : d_base;
    if (keep > d_base) {
        d_buf.erase(d_buf.begin(), d_buf.begin() + std::ptrdiff_t(keep - d_base));
        d_base = keep;
    }
    return out;
}

} // namespace semcom
