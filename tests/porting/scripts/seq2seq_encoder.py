# The seq2seq tutorial's training step: encoder outputs written into a zeros buffer by index,
# attention over them, and the loss accumulated with +=.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
MAX_LENGTH, HIDDEN, VOCAB = 5, 6, 9


class EncoderRNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(VOCAB, HIDDEN)
        self.cell = nn.Linear(2 * HIDDEN, HIDDEN)

    def forward(self, input, hidden):
        embedded = self.embedding(input).view(1, 1, -1)
        output = torch.tanh(self.cell(torch.cat((embedded[0], hidden[0]), 1))).unsqueeze(0)
        return output, output

    def initHidden(self):
        return torch.zeros(1, 1, HIDDEN, device=device)


class AttnDecoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(VOCAB, HIDDEN)
        self.attn = nn.Linear(2 * HIDDEN, MAX_LENGTH)
        self.cell = nn.Linear(2 * HIDDEN, HIDDEN)
        self.out = nn.Linear(HIDDEN, VOCAB)

    def forward(self, input, hidden, encoder_outputs):
        embedded = self.embedding(input).view(1, 1, -1)
        attn_weights = F.softmax(self.attn(torch.cat((embedded[0], hidden[0]), 1)), dim=1)
        attn_applied = torch.bmm(attn_weights.unsqueeze(0), encoder_outputs.unsqueeze(0))
        output = torch.cat((embedded[0], attn_applied[0]), 1)
        hidden = torch.tanh(self.cell(output)).unsqueeze(0)
        return F.log_softmax(self.out(hidden[0]), dim=1), hidden


encoder = init_weights(EncoderRNN().to(device), seed=1)  # noqa: F821 - provided by the runner
decoder = init_weights(AttnDecoder().to(device), seed=2)  # noqa: F821
criterion = nn.NLLLoss()
enc_opt = torch.optim.SGD(encoder.parameters(), lr=0.1)
dec_opt = torch.optim.SGD(decoder.parameters(), lr=0.1)
rng = np.random.default_rng(3)
losses = []
for _step in range(3):
    input_tensor = torch.tensor(rng.integers(0, VOCAB, (4, 1)), device=device)
    target_tensor = torch.tensor(rng.integers(0, VOCAB, (3, 1)), device=device)
    encoder_hidden = encoder.initHidden()
    enc_opt.zero_grad()
    dec_opt.zero_grad()
    encoder_outputs = torch.zeros(MAX_LENGTH, HIDDEN, device=device)
    loss = 0
    for ei in range(input_tensor.size(0)):
        encoder_output, encoder_hidden = encoder(input_tensor[ei], encoder_hidden)
        encoder_outputs[ei] = encoder_output[0, 0]
    decoder_input = torch.tensor([[0]], device=device)
    decoder_hidden = encoder_hidden
    for di in range(target_tensor.size(0)):
        decoder_output, decoder_hidden = decoder(decoder_input, decoder_hidden, encoder_outputs)
        loss += criterion(decoder_output, target_tensor[di])
        decoder_input = target_tensor[di]  # teacher forcing
    loss.backward()
    RESULTS_GRAD = encoder.embedding.weight.grad.numpy().copy()
    enc_opt.step()
    dec_opt.step()
    losses.append(loss.item() / target_tensor.size(0))

RESULTS = {
    "losses": losses,
    "encoder_grad": RESULTS_GRAD,
    "encoder_cell": encoder.cell.weight.detach().numpy(),
}
