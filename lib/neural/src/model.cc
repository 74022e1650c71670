/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <semcom/neural/model.h>

#include <ATen/Parallel.h>
#include <dlfcn.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <torch/cuda.h>
#include <torch/script.h>

#include <algorithm>
#include <optional>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <stdexcept>

namespace semcom {
namespace neural {

namespace {

at::ScalarType scalar_type(DType t)
{
    return t == DType::int64 ? at::kLong : at::kFloat;
}

std::string describe(const at::Tensor& t)
{
    std::ostringstream os;
    os << '[';
    for (int64_t d = 0; d < t.dim(); ++d)
        os << (d ? ", " : "") << t.size(d);
    os << "] ";
    if (t.scalar_type() == at::kFloat)
        os << "float32";
    else if (t.scalar_type() == at::kLong)
        os << "int64";
    else
        os << c10::toString(t.scalar_type());
    return os.str();
}

bool matches(const at::Tensor& t, const TensorSpec& spec, std::int64_t batch)
{
    return t.defined() && t.scalar_type() == scalar_type(spec.dtype) &&
           t.sizes().vec() == spec.batch_shape(batch);
}

/*
 * LibTorch's messages carry the TorchScript traceback; the line that says what went wrong is
 * the last one ("RuntimeError: mat1 and mat2 shapes cannot be multiplied (2x16 and 15x8)").
 */
std::string short_message(const std::exception& e)
{
    const auto* ce = dynamic_cast<const c10::Error*>(&e);
    std::string text = ce ? ce->what_without_backtrace() : e.what();
    std::istringstream is(text);
    std::string line, last;
    while (std::getline(is, line))
        if (line.find_first_not_of(" \t\r") != std::string::npos)
            last = line;
    if (last.empty())
        return text;
    return last.substr(last.find_first_not_of(" \t"));
}

std::string manifest_path_of(const std::string& path)
{
    const std::filesystem::path p(path);
    if (p.extension() == ".pt")
        return std::filesystem::path(p).replace_extension(".json").string();
    return path;
}

} // namespace

c10::Device resolve_device(const std::string& spec, std::string* reason)
{
    auto why = [&](const std::string& r) {
        if (reason)
            *reason = r;
    };
    if (spec == "cpu") {
        why("requested");
        return c10::Device(c10::kCPU);
    }
    if (spec == "auto") {
        if (torch::cuda::is_available()) {
            why("auto: LibTorch sees " + std::to_string(torch::cuda::device_count()) +
                " CUDA device(s)");
            return c10::Device(c10::kCUDA, 0);
        }
        why("auto: LibTorch sees no CUDA device");
        return c10::Device(c10::kCPU);
    }
    long index = -1;
    if (spec == "cuda")
        index = 0;
    else if (spec.size() > 5 && spec.compare(0, 5, "cuda:") == 0 && spec.size() <= 8 &&
             std::all_of(spec.begin() + 5, spec.end(), [](char c) {
                 return std::isdigit(static_cast<unsigned char>(c));
             }))
        index = std::stol(spec.substr(5));
    if (index < 0)
        throw std::invalid_argument("device '" + spec +
                                    "': expected auto, cpu, cuda or cuda:N (N = GPU index)");
    if (!torch::cuda::is_available())
        throw std::runtime_error(
          "device '" + spec +
          "' requested but LibTorch sees no CUDA device (no GPU here, or a CPU-only LibTorch "
          "such as Debian's): use device 'cpu', or 'auto' to take a GPU only when there is one");
    const auto count = static_cast<long>(torch::cuda::device_count());
    if (index >= count)
        throw std::runtime_error("device '" + spec + "' requested but LibTorch sees only " +
                                 std::to_string(count) + " CUDA device(s)");
    why("requested");
    return c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(index));
}

struct Model::Impl {
    Manifest manifest;
    std::string pt_path;
    ModelOptions options;
    c10::Device device{ c10::kCPU };
    torch::jit::Module module;
    std::vector<at::Tensor> staging;   //!< host, [max_batch, ...], pinned on CUDA
    std::vector<at::Tensor> on_device; //!< CUDA only, [max_batch, ...]
    bool warm = false;                 //!< the warm-up has run
    std::string warm_up;               //!< what the warm-up ran on, for its error messages

    [[noreturn]] void fail(const std::string& what) const
    {
        throw std::runtime_error(pt_path + ": " + what);
    }

    //! Moves the first \p batch staged rows of input i to the device (no-op view on the CPU).
    at::Tensor device_input(std::size_t i, std::int64_t batch)
    {
        auto host = staging[i].narrow(0, 0, batch);
        if (device.is_cpu())
            return host;
        auto dev = on_device[i].narrow(0, 0, batch);
        // Pinned source: asynchronous on the current stream; the copy of the outputs back to
        // the host synchronises, so the staging buffer is free again when run() returns.
        dev.copy_(host, /*non_blocking=*/true);
        return dev;
    }

    //! OpenMP's thread count belongs to the calling thread: at::set_num_threads in the
    //! constructor did not reach GNU Radio's block threads or BatchRunner's worker, whose
    //! default team of nproc threads then spun on sched_yield (half the run time in the kernel).
    void apply_threads() const
    {
        thread_local int threads_set = -1;
        if (options.intra_op_threads > 0 && threads_set != options.intra_op_threads) {
            at::set_num_threads(options.intra_op_threads);
            threads_set = options.intra_op_threads;
        }
    }

    //! Runs the batch: forward(), or layer by layer for a multi-exit decoder.
    std::vector<at::Tensor> infer(const std::vector<at::Tensor>& inputs, std::int64_t batch, const char* context)
    {
        if (layered)
            return layer_by_layer(inputs, batch, context);
        return forward(std::vector<c10::IValue>(inputs.begin(), inputs.end()), batch, context);
    }

    std::vector<at::Tensor> forward(std::vector<c10::IValue> args,
                                    std::int64_t batch,
                                    const char* context)
    {
        apply_threads();
        c10::InferenceMode guard;
        c10::IValue result;
        try {
            result = module.forward(std::move(args));
        } catch (const std::exception& e) {
            fail(std::string(context) + ": forward() failed: " + short_message(e));
        }
        std::vector<at::Tensor> outs;
        if (result.isTensor()) {
            outs.push_back(result.toTensor());
        } else if (result.isTuple()) {
            for (const auto& v : result.toTupleRef().elements()) {
                if (!v.isTensor())
                    fail(std::string(context) + ": forward() returned a tuple holding a " +
                         v.tagKind() + ", expected tensors");
                outs.push_back(v.toTensor());
            }
        } else if (result.isTensorList()) {
            for (const at::Tensor& t : result.toTensorVector())
                outs.push_back(t);
        } else {
            fail(std::string(context) + ": forward() returned a " + result.tagKind() +
                 ", expected a tensor or a tuple of tensors");
        }
        return checked(std::move(outs), batch, context);
    }

    //! The outputs against the manifest, on the CPU, never aliasing our staging buffers.
    std::vector<at::Tensor> checked(std::vector<at::Tensor> outs, std::int64_t batch, const char* context) const
    {
        const auto& specs = manifest.outputs;
        if (outs.size() != specs.size())
            fail(std::string(context) + ": the manifest lists " + std::to_string(specs.size()) +
                 " output(s), forward() returned " + std::to_string(outs.size()));
        for (std::size_t k = 0; k < outs.size(); ++k) {
            if (!matches(outs[k], specs[k], batch)) {
                auto want = specs[k];
                want.shape[0] = batch;
                fail(std::string(context) + ": output " + std::to_string(k) + " '" + specs[k].name +
                     "' is " + describe(outs[k]) + ", the manifest says " + specs[k].describe() +
                     " (at batch " + std::to_string(batch) + ": " + want.describe() + ")");
            }
            outs[k] = outs[k].to(c10::kCPU).contiguous();
            // A model may return (a view of) its input: never hand out our staging buffers,
            // the next run overwrites them.
            for (const auto& s : staging)
                if (outs[k].is_alias_of(s))
                    outs[k] = outs[k].clone();
        }
        return outs;
    }

    // --- multi-exit decoders (see Model in model.h) ---
    int exits = 0;       //!< codebook.decoder_layers of a multi-exit decoder; 0 otherwise
    bool layered = false; //!< run it layer by layer (ModelOptions::early_exit)
    int snr_input = -1, threshold_input = -1, exit_output = -1;
    std::vector<std::size_t> memory_inputs; //!< the inputs memory() takes, in manifest order
    std::optional<torch::jit::Method> memory_method, start_method, layer_method, exit_method;

    static constexpr const char* exit_methods[] = { "memory", "start", "layer", "exit_head" };

    //! A multi-exit manifest: which inputs go where; the methods are found after loading.
    void find_exit_roles()
    {
        const auto& m = manifest;
        threshold_input = m.input_with_role("exit_threshold");
        exit_output = m.output_with_role("exit_layer");
        if (threshold_input < 0 || exit_output < 0)
            return;
        snr_input = m.input_with_role("snr_db");
        if (snr_input < 0 || !m.codebook || m.outputs.size() != 2)
            fail("a multi-exit decoder (exit_threshold input, exit_layer output) needs an snr_db input, the "
                 "codebook (decoder_layers) and exactly two outputs (the exit's output and exit_layer): see " +
                 m.path);
        exits = m.codebook->decoder_layers;
        for (std::size_t i = 0; i < m.inputs.size(); ++i)
            if (int(i) != snr_input && int(i) != threshold_input)
                memory_inputs.push_back(i);
    }

    void bind_exit_methods()
    {
        if (exits == 0)
            return;
        for (const char* name : exit_methods)
            if (!module.find_method(name))
                fail(std::string("a multi-exit decoder must export the methods memory, start, layer and exit_head "
                                 "(@torch.jit.export): '") + name + "' is missing");
        memory_method = module.get_method("memory");
        start_method = module.get_method("start");
        layer_method = module.get_method("layer");
        exit_method = module.get_method("exit_head");
        layered = options.early_exit;
    }

    std::vector<at::Tensor> layer_by_layer(const std::vector<at::Tensor>& inputs, std::int64_t batch,
                                           const char* context)
    {
        apply_threads();
        c10::InferenceMode guard;
        const auto dev = at::TensorOptions().device(device);
        at::Tensor threshold = inputs[std::size_t(threshold_input)].reshape({ batch });
        {
            const auto host = threshold.to(c10::kCPU).contiguous();
            const float* t = host.data_ptr<float>();
            for (std::int64_t f = 0; f < batch; ++f)
                if (!(t[f] > 0.0f && t[f] <= 1.0f))
                    throw std::invalid_argument(pt_path + ": " + context + ": exit_threshold of frame " +
                                                std::to_string(f) + " is " + std::to_string(t[f]) +
                                                ": it must be in (0, 1]");
        }
        at::Tensor snr = inputs[std::size_t(snr_input)];
        std::vector<c10::IValue> memory_args;
        for (auto i : memory_inputs)
            memory_args.emplace_back(inputs[i]);
        at::Tensor output, exit_layer = at::full({ batch }, std::int64_t(exits), dev.dtype(at::kLong));
        try {
            at::Tensor memory = (*memory_method)(std::move(memory_args)).toTensor();
            at::Tensor x = (*start_method)({ c10::IValue(batch) }).toTensor();
            at::Tensor rows = at::arange(batch, dev.dtype(at::kLong)); // the frames still in the batch
            for (int i = 0; i < exits; ++i) {
                x = (*layer_method)({ c10::IValue(std::int64_t(i)), x, memory }).toTensor();
                const auto head = (*exit_method)({ c10::IValue(std::int64_t(i)), x, snr }).toTuple();
                if (head->elements().size() != 2)
                    fail(std::string(context) + ": exit_head() must return (output, certainty)");
                const at::Tensor out = head->elements()[0].toTensor(), certainty = head->elements()[1].toTensor();
                const auto remaining = rows.size(0);
                if (out.dim() < 1 || out.size(0) != remaining || certainty.numel() != remaining)
                    fail(std::string(context) + ": exit_head(" + std::to_string(i) + ") returned " + describe(out) +
                         " and " + describe(certainty) + " for " + std::to_string(remaining) + " frames");
                if (!output.defined()) {
                    auto shape = out.sizes().vec();
                    shape[0] = batch;
                    output = at::zeros(shape, out.options());
                }
                // the last layer takes every frame still here
                const at::Tensor take = i + 1 == exits ? at::ones({ remaining }, dev.dtype(at::kBool))
                                                       : certainty.reshape({ remaining }).gt(threshold);
                const auto taken = take.sum().item<std::int64_t>();
                if (taken == 0)
                    continue;
                if (taken == remaining) {
                    output.index_copy_(0, rows, out);
                    exit_layer.index_fill_(0, rows, std::int64_t(i + 1));
                    break;
                }
                const at::Tensor leave = take.nonzero().reshape({ -1 }), stay = take.logical_not().nonzero().reshape({ -1 });
                const at::Tensor leaving = rows.index_select(0, leave);
                output.index_copy_(0, leaving, out.index_select(0, leave));
                exit_layer.index_fill_(0, leaving, std::int64_t(i + 1));
                rows = rows.index_select(0, stay);
                x = x.index_select(0, stay);
                memory = memory.index_select(0, stay);
                snr = snr.index_select(0, stay);
                threshold = threshold.index_select(0, stay);
            }
        } catch (const std::runtime_error& e) {
            if (std::string(e.what()).rfind(pt_path + ":", 0) == 0)
                throw; // ours, from fail()
            fail(std::string(context) + ": layer-by-layer run failed: " + short_message(e));
        } catch (const std::exception& e) {
            fail(std::string(context) + ": layer-by-layer run failed: " + short_message(e));
        }
        std::vector<at::Tensor> outs(manifest.outputs.size());
        for (std::size_t k = 0; k < outs.size(); ++k)
            outs[k] = int(k) == exit_output ? exit_layer : output;
        return checked(std::move(outs), batch, context);
    }
};

Model::Model(const std::string& path, ModelOptions options)
  : d(std::make_unique<Impl>())
{
    d->options = std::move(options);
    if (!d->options.log)
        d->options.log = [](const std::string& line) { std::cerr << line << std::endl; };
    if (d->options.max_batch < 1)
        throw std::invalid_argument("Model: max_batch must be >= 1, got " +
                                    std::to_string(d->options.max_batch));
    if (d->options.intra_op_threads < 0)
        throw std::invalid_argument("Model: intra_op_threads must be >= 0, got " +
                                    std::to_string(d->options.intra_op_threads));

    // 1-2: the manifest and its constellations; nothing heavy before the description is right.
    d->manifest = Manifest::load(manifest_path_of(path));
    verify_constellations(d->manifest);
    d->pt_path = d->manifest.model_path();
    const auto& m = d->manifest;
    d->find_exit_roles();

    // 3: the file is the one the manifest describes.
    if (!std::filesystem::is_regular_file(d->pt_path))
        throw std::runtime_error(d->pt_path + ": model file not found (named by " + m.path + ")");
    const auto digest = sha256_file(d->pt_path);
    if (digest != m.sha256)
        throw std::runtime_error(d->pt_path + ": sha256 " + digest + " differs from " + m.path +
                                 " (" + m.sha256 +
                                 "): the model file is not the one the manifest describes");

    std::string reason;
    try {
        d->device = resolve_device(d->options.device, &reason);
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(d->pt_path + ": " + e.what());
    } catch (const std::runtime_error& e) {
        throw std::runtime_error(d->pt_path + ": " + e.what());
    }
    d->device = resolve_device(d->options.device, &reason);
    if (d->options.intra_op_threads > 0) {
        at::set_num_threads(d->options.intra_op_threads);
        // Debian's LibTorch calls the system BLAS; OpenBLAS keeps its own pthread pool (nproc
        // threads by default) that ignores at::set_num_threads and spins on sched_yield between
        // calls: 40 % of a simulate run went there. Set it too when that BLAS is loaded.
        using set_threads_fn = void (*)(int);
        if (auto f = reinterpret_cast<set_threads_fn>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads")))
            f(d->options.intra_op_threads);
    }
#ifdef __GLIBC__
    if (d->options.keep_freed_memory) {
        // LibTorch's CPU allocator does not cache: every forward allocates its activations anew.
        // glibc serves blocks above M_MMAP_THRESHOLD with mmap and returns them at free, so each
        // batch of 64 paid for fresh zeroed pages (25 % of the decoder's time here). Keeping
        // blocks up to 128 MiB on the heap lets the next batch reuse them. Process-wide.
        static const bool tuned = [] {
            mallopt(M_MMAP_THRESHOLD, 128 << 20);
            mallopt(M_TRIM_THRESHOLD, 256 << 20);
            return true;
        }();
        (void)tuned;
    }
#endif

    // 4: load.
    try {
        d->module = torch::jit::load(d->pt_path, d->device);
    } catch (const std::exception& e) {
        throw std::runtime_error(d->pt_path +
                                 ": not a loadable TorchScript file: " + short_message(e));
    }
    d->module.eval();
    if (d->options.optimize) {
        // Freeze (weights become constants) and apply the inference passes (conv/linear fusion,
        // oneDNN layouts on CPU): on this machine +25 % frames/s at batch 1 for a decoder.
        try {
            // a multi-exit decoder's exported methods must survive freezing (only forward does)
            std::vector<std::string> methods;
            if (d->exits > 0)
                for (const char* name : Impl::exit_methods)
                    if (d->module.find_method(name))
                        methods.emplace_back(name);
            auto frozen = torch::jit::freeze(d->module, methods);
            d->module = torch::jit::optimize_for_inference(frozen, methods);
        } catch (const std::exception& e) {
            d->options.log("semcom-neural: " + d->pt_path + ": not optimised for inference (" + short_message(e) +
                   "); running it as loaded");
        }
    }

    d->bind_exit_methods();

    // 5: arity, from the schema (self is the first argument).
    const auto nargs = d->module.get_method("forward").function().getSchema().arguments().size();
    if (nargs - 1 != m.inputs.size())
        d->fail("the manifest " + m.path + " lists " + std::to_string(m.inputs.size()) +
                " input(s), forward() takes " + std::to_string(nargs - 1));

    // Buffers, once: zeros, so that the warm-up below runs on zero inputs.
    const auto B = d->options.max_batch;
    for (const auto& spec : m.inputs) {
        auto host = at::TensorOptions().dtype(scalar_type(spec.dtype));
        if (d->device.is_cuda())
            host = host.pinned_memory(true);
        d->staging.push_back(at::zeros(spec.batch_shape(B), host));
        if (d->device.is_cuda())
            d->on_device.push_back(
              at::zeros(spec.batch_shape(B),
                        at::TensorOptions().dtype(scalar_type(spec.dtype)).device(d->device)));
    }
    // zero is no exit threshold (it must be in (0, 1]); 1 runs the warm-up through every layer
    if (d->threshold_input >= 0)
        d->staging[std::size_t(d->threshold_input)].fill_(1.0f);

    d->warm_up = "warm-up on zero inputs of the manifest shapes (";
    for (std::size_t i = 0; i < m.inputs.size(); ++i) {
        auto at_b = m.inputs[i];
        at_b.shape[0] = B;
        d->warm_up += (i ? ", " : "") + at_b.name + " " + at_b.describe();
    }
    d->warm_up += ")";

    // 6: warm-up at the largest batch, checking every output against the manifest; then every
    // padded batch size twice, so that none is compiled while running.
    run_staged(B);
    if (d->options.pad_batches)
        for (std::int64_t b = 1; b <= B; b = (b == B) ? B + 1 : std::min(2 * b, B))
            for (int k = 0; k < 2; ++k)
                run_staged(b);
    d->warm = true;

    std::ostringstream os;
    os << "semcom-neural: model '" << m.name << "' (" << d->pt_path << ") on " << d->device.str()
       << " (" << reason << "), max batch " << B << ", " << at::get_num_threads()
       << " intra-op thread(s)" << (d->options.optimize ? ", optimised for inference" : "");
    if (d->exits > 0)
        os << ", " << d->exits << " exits" << (d->layered ? " (layer by layer, early exit)" : " (forward: every layer)");
    d->options.log(os.str());
}

Model::~Model() = default;

const Manifest& Model::manifest() const
{
    return d->manifest;
}
const c10::Device& Model::device() const
{
    return d->device;
}
std::string Model::device_name() const
{
    return d->device.str();
}
std::int64_t Model::max_batch() const
{
    return d->options.max_batch;
}
int Model::intra_op_threads() const
{
    return d->options.intra_op_threads;
}
bool Model::early_exit() const
{
    return d->layered;
}
int Model::exit_layers() const
{
    return d->exits;
}

at::Tensor& Model::staging(std::size_t input)
{
    if (input >= d->staging.size())
        throw std::out_of_range("Model::staging: input " + std::to_string(input) + " of " +
                                std::to_string(d->staging.size()));
    return d->staging[input];
}

std::vector<at::Tensor> Model::run_staged(std::int64_t batch)
{
    if (batch < 1 || batch > d->options.max_batch)
        throw std::invalid_argument(d->pt_path + ": batch " + std::to_string(batch) +
                                    " outside 1.." + std::to_string(d->options.max_batch) +
                                    " (max_batch)");
    // TorchScript's profiling executor compiles a graph for every new batch size; a decoder fed
    // whatever frames arrived would see every size up to max_batch, each first time costing tens
    // of milliseconds. Rounding up to a power of two keeps it to log2(max_batch) + 1 shapes,
    // all compiled at load; the padded rows hold stale inputs and their outputs are dropped.
    std::int64_t run = batch;
    if (d->options.pad_batches && !d->layered) { // layer by layer the batch shrinks anyway
        run = 1;
        while (run < batch)
            run *= 2;
        run = std::min(run, d->options.max_batch);
    }
    std::vector<at::Tensor> args;
    for (std::size_t i = 0; i < d->staging.size(); ++i)
        args.push_back(d->device_input(i, run));
    auto outs = d->infer(args, run, d->warm ? "run" : d->warm_up.c_str());
    if (run != batch)
        for (auto& o : outs)
            o = o.narrow(0, 0, batch).clone();
    return outs;
}

std::vector<at::Tensor> Model::run(const std::vector<at::Tensor>& inputs)
{
    const auto& specs = d->manifest.inputs;
    if (inputs.size() != specs.size())
        throw std::invalid_argument(d->pt_path + ": run() got " + std::to_string(inputs.size()) +
                                    " input tensor(s), the manifest lists " +
                                    std::to_string(specs.size()));
    if (!inputs[0].defined() || inputs[0].dim() < 1)
        throw std::invalid_argument(d->pt_path + ": run(): input 0 '" + specs[0].name +
                                    "' is undefined or a scalar");
    const auto batch = inputs[0].size(0);
    if (batch < 1 || batch > d->options.max_batch)
        throw std::invalid_argument(d->pt_path + ": run(): batch " + std::to_string(batch) +
                                    " outside 1.." + std::to_string(d->options.max_batch) +
                                    " (max_batch)");
    std::vector<at::Tensor> args;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        const auto& t = inputs[i];
        if (!matches(t, specs[i], batch))
            throw std::invalid_argument(
              d->pt_path + ": run(): input " + std::to_string(i) + " '" + specs[i].name + "' is " +
              (t.defined() ? describe(t) : std::string("undefined")) + ", the manifest says " +
              specs[i].describe() + " (batch " + std::to_string(batch) + " from input 0)");
        if (t.device() == d->device) {
            args.push_back(t.contiguous());
        } else {
            d->staging[i].narrow(0, 0, batch).copy_(t);
            args.push_back(d->device_input(i, batch));
        }
    }
    return d->infer(args, batch, "run");
}

std::vector<at::Tensor> Model::run(std::int64_t batch, const std::vector<const float*>& inputs)
{
    const auto& specs = d->manifest.inputs;
    if (inputs.size() != specs.size())
        throw std::invalid_argument(d->pt_path + ": run() got " + std::to_string(inputs.size()) +
                                    " input buffer(s), the manifest lists " +
                                    std::to_string(specs.size()));
    if (batch < 1 || batch > d->options.max_batch)
        throw std::invalid_argument(d->pt_path + ": run(): batch " + std::to_string(batch) +
                                    " outside 1.." + std::to_string(d->options.max_batch) +
                                    " (max_batch)");
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        if (specs[i].dtype != DType::float32)
            throw std::invalid_argument(d->pt_path + ": run(): input " + std::to_string(i) + " '" +
                                        specs[i].name +
                                        "' is int64: pass tensors, not float buffers");
        if (!inputs[i])
            throw std::invalid_argument(d->pt_path + ": run(): input " + std::to_string(i) + " '" +
                                        specs[i].name + "' is a null pointer");
        std::memcpy(d->staging[i].data_ptr<float>(),
                    inputs[i],
                    sizeof(float) * batch * specs[i].item_numel());
    }
    return run_staged(batch);
}

} // namespace neural
} // namespace semcom
