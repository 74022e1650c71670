/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <semcom/waveform.h>

#include <algorithm>
#include <cmath>
#include <iterator>
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
    if (!FrameHeader::valid_spreading(spreading))
        throw std::invalid_argument("waveform: spreading must be 1, 2, 4, 8 or 16, got " + std::to_string(spreading));
}

unsigned spreading_for_snr(float snr_db)
{
    if (!std::isfinite(snr_db))
        throw std::invalid_argument("spreading: the SNR must be finite, got " + std::to_string(snr_db));
    unsigned r = 1;
    while (r < 16 && double(snr_db) + 10.0 * std::log10(double(r)) < 5.0)
        r *= 2;
    return r;
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
    : d_config((config.validate(), config)),
      d_format(config.pilots, config.spreading),
      // R > 1: the despread symbols' CFO is R times the chips': +-1/128 cycles per chip needs R/2 ambiguities
      d_detector(d_format, threshold, config.sps, config.spreading / 2),
      d_equaliser(config.sps, config.equaliser_span),
      d_taps(root_raised_cosine(config.sps, config.rolloff, config.span)),
      d_history(d_taps.size() - 1)
{
    // the stream as if preceded by silence: a burst at its first sample still has the samples
    // before it that the detector's timing search and the equaliser's taps look at
    const std::size_t margin = 2 * (d_equaliser.half() + 8 * config.sps) * config.spreading;
    d_buf.assign(margin, cfloat(0.0f, 0.0f));
    d_lead = margin;
    extend_despread();
}

std::vector<cfloat> WaveformReceiver::window(bool search, std::uint64_t from, std::size_t n, double cfo) const
{
    const auto& buf = search ? search_buf() : d_buf;
    const std::uint64_t base = search ? search_base() : d_base;
    std::vector<cfloat> w(buf.begin() + std::ptrdiff_t(from - base), buf.begin() + std::ptrdiff_t(from - base + n));
    // phase referred to the window's start: only differences within a burst matter
    BurstDetector::correct_cfo(w.data(), w.size(), float(cfo));
    return w;
}

void WaveformReceiver::extend_despread()
{
    const std::uint64_t R = d_config.spreading, sps = d_config.sps;
    if (R == 1)
        return;
    if (d_slow.empty() && d_slow_base * R < d_base)
        d_slow_base = (d_base + R - 1) / R;
    for (std::uint64_t u = d_slow_base + d_slow.size(); u * R + (R - 1) * sps < buffered_end(); ++u) {
        const cfloat* x = d_buf.data() + (u * R - d_base);
        cfloat acc = 0.0f;
        for (std::uint64_t c = 0; c < R; ++c)
            acc += x[c * sps];
        d_slow.push_back(acc);
    }
}

bool WaveformReceiver::decode_header(std::uint64_t start, double cfo, FrameHeader& header,
                                     FractionallySpacedEqualiser& eq)
{
    const std::size_t sps = d_config.sps, h = d_equaliser.half();
    const std::size_t nsym = d_format.preamble().size() + FrameFormat::header_symbols;
    auto w = window(true, start - h, 2 * h + nsym * sps, cfo);
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

std::vector<WaveformReceiver::Frame> WaveformReceiver::finish(const Pending& p)
{
    const std::size_t sps = d_config.sps, h = d_equaliser.half(), R = d_config.spreading;
    const auto known = d_format.known_symbols(p.header);
    const std::size_t K = known.size(), S = d_format.side_symbols(p.header);
    const std::size_t N = K + S + FrameFormat::data_span(p.header.data_symbols());
    auto w = window(false, p.start - h, 2 * h + N * sps, p.cfo);
    // 1. a fit on the preamble (R = 1: the header pass's, on the same samples with the same CFO):
    //    the known symbols' phase drift under it measures the CFO left over
    FractionallySpacedEqualiser eq = p.preamble_fit;
    const std::size_t preamble_chips = d_format.preamble().size() * R;
    if (R > 1 && !eq.train(w.data(), w.size(), h, known.data(), preamble_chips)) {
        d_last_error = "equaliser: singular preamble fit";
        return {};
    }
    std::vector<cfloat> y(N);
    eq.apply(w.data(), w.size(), h, 0, K, y.data());
    const std::size_t lag = std::min<std::size_t>(256 * R, K / 2);
    std::complex<double> acc = 0.0;
    for (std::size_t i = 0; i + lag < K; ++i)
        acc += std::complex<double>(y[i + lag] * std::conj(known[i + lag])) *
               std::conj(std::complex<double>(y[i] * std::conj(known[i])));
    const double residual = std::arg(acc) / (2.0 * M_PI * double(lag)); // cycles per chip
    const double cfo = p.cfo + residual / double(sps);
    // 2. remove it, refit (R = 1: on every known symbol; R > 1: on the chip-rate pilots, see
    //    FrameFormat), equalise the burst
    w = window(false, p.start - h, 2 * h + N * sps, cfo);
    const std::size_t first = R == 1 ? 0 : K - d_format.pilot_symbols();
    if (!eq.train(w.data(), w.size(), h + first * sps, known.data() + first, K - first)) {
        d_last_error = "equaliser: singular fit";
        return {};
    }
    eq.apply(w.data(), w.size(), h, 0, N, y.data());
    const auto channel = estimate_from_pilots(y.data() + first, known.data() + first, K - first);
    // the side-information block after the pilots (CRC-checked: a bad one drops the burst)
    std::vector<std::uint8_t> side;
    if (S) {
        std::vector<cfloat> chips(S);
        for (std::size_t i = 0; i < S; ++i)
            chips[i] = y[K + i] / channel.h;
        auto bytes = d_format.parse_side(p.header, chips.data(), &d_last_error);
        if (!bytes)
            return {};
        side = std::move(*bytes);
    }
    // 3. long bursts: the phase left along the data, a line through the known symbols' (0 at
    //    their centre, where the fit put it) and the pilot blocks', unwrapped block by block
    const auto& bp = d_format.block_pilots();
    const double t_known = (double(K) - 1.0) / 2.0;
    double num = 0.0, den = 0.0, slope = 0.0;
    for (std::size_t at = K + S + FrameFormat::pilot_interval; at + bp.size() <= N;
         at += FrameFormat::pilot_interval + bp.size()) {
        std::complex<double> c = 0.0;
        for (std::size_t i = 0; i < bp.size(); ++i)
            c += std::complex<double>(y[at + i] * std::conj(bp[i]));
        const double t = double(at) + (double(bp.size()) - 1.0) / 2.0 - t_known;
        double phi = std::arg(c);
        phi += 2.0 * M_PI * std::round((slope * t - phi) / (2.0 * M_PI)); // nearest the line so far
        num += phi * t;
        den += t * t;
        slope = num / den;
    }
    std::vector<Frame> out;
    const std::size_t n = p.header.payload_symbols;
    for (std::size_t image = 0; image < p.header.images; ++image) {
        Frame f;
        f.header = p.header;
        f.header.sequence = p.header.sequence + std::uint32_t(image);
        f.image = std::uint8_t(image);
        f.channel = channel;
        f.payload.resize(n);
        const cfloat inv_h = 1.0f / channel.h;
        for (std::size_t k = 0; k < n; ++k) {
            const std::size_t i = image * n + k;
            const std::size_t at = K + S + i + bp.size() * (i / FrameFormat::pilot_interval);
            // the phase line is flat for bursts without pilot blocks: no rotation to compute
            f.payload[k] = slope == 0.0
                               ? y[at] * inv_h
                               : y[at] * std::polar(1.0f, static_cast<float>(-slope * (double(at) - t_known))) * inv_h;
        }
        f.start = p.start - std::uint64_t(d_config.span) * sps / 2 - d_lead;
        f.cfo = static_cast<float>(cfo * sps);
        f.metric = p.metric;
        f.side = side;
        out.push_back(std::move(f));
    }
    return out;
}

void WaveformReceiver::trim()
{
    const std::uint64_t R = d_config.spreading, sps = d_config.sps, h = d_equaliser.half();
    // the search stream from where a burst in progress or the next search can still need it
    std::uint64_t keep = d_pending ? d_pending->search_start : d_search;
    keep = keep > search_base() + h + 8 * sps ? keep - h - 8 * sps : search_base();
    // the matched-filter output from the burst in progress's first tap, and what the despread
    // stream still has to sum
    std::uint64_t keep_buf = keep * R;
    if (d_pending)
        keep_buf = std::min(keep_buf, d_pending->start - h);
    if (R > 1) {
        keep_buf = std::min(keep_buf, (d_slow_base + d_slow.size()) * R);
        if (keep > d_slow_base) {
            const std::uint64_t drop = std::min<std::uint64_t>(keep - d_slow_base, d_slow.size());
            d_slow.erase(d_slow.begin(), d_slow.begin() + std::ptrdiff_t(drop));
            d_slow_base += drop;
        }
    }
    if (keep_buf > d_base) {
        const std::uint64_t drop = std::min<std::uint64_t>(keep_buf - d_base, d_buf.size());
        d_buf.erase(d_buf.begin(), d_buf.begin() + std::ptrdiff_t(drop));
        d_base += drop;
    }
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
    extend_despread();

    const std::uint64_t sps = d_config.sps, h = d_equaliser.half(), R = d_config.spreading;
    const std::size_t L = FrameFormat::preamble_half * sps;
    const std::size_t header_syms = d_format.preamble().size() + FrameFormat::header_symbols;
    const std::size_t header_end = header_syms * sps + h + 1;
    for (;;) {
        if (d_pending) {
            const std::uint64_t end = d_pending->start + d_format.burst_symbols(d_pending->header) * sps;
            if (end + h + 1 > buffered_end())
                break; // the rest of the burst has not arrived
            auto images = finish(*d_pending);
            if (!images.empty())
                ++d_counters.bursts;
            else
                ++d_counters.header_errors; // its side information failed its CRC, or no fit
            d_counters.frames += images.size();
            std::move(images.begin(), images.end(), std::back_inserter(out));
            d_search = std::max(d_pending->search_start + 1, (end + R - 1) / R);
            d_pending.reset();
            continue;
        }
        if (d_search < search_base() + h)
            d_search = search_base() + h;
        if (d_search >= search_end())
            break;
        const std::size_t from = std::size_t(d_search - search_base()), avail = search_buf().size() - from;
        const auto found = d_detector.detect(search_buf().data() + from, avail);
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
        if (start + header_end > search_end())
            break; // wait for the header
        ++d_counters.detected;
        FrameHeader header;
        FractionallySpacedEqualiser fit(d_equaliser);
        const double cfo = double(det.cfo) / double(sps); // per search-stream sample

        if (decode_header(start, cfo, header, fit)) {
            // R > 1: a search-stream sample is R matched-filter samples; the fractional timing
            // puts the first chip within half a sample, the chip-rate equaliser does the rest
            const std::uint64_t chip0 =
                R == 1 ? start : std::uint64_t(std::llround(double(start * R) + double(det.frac) * double(R)));
            if (chip0 < d_base + h) {
                ++d_counters.header_errors;
                d_last_error = "burst starts before the samples kept";
                d_search = start + header_syms * sps;
                continue;
            }
            d_pending = Pending{ start, chip0, cfo / double(R), det.metric, header, fit };
        } else {
            ++d_counters.header_errors;
            d_search = start + header_syms * sps; // past this preamble and header: one error per burst
        }
    }
    trim();
    return out;
}

} // namespace semcom
