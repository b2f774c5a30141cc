// "Verify with your wallet" on the store settings page: asks Soko for a Sign-In with Ethereum
// message, has the browser wallet (EIP-1193, window.ethereum) sign it with personal_sign, and
// sends message and signature as the paste form does. Without a wallet the button submits its
// form, and the page shows the message to sign elsewhere and a field for the signature.
(function () {
  var button = document.querySelector("[data-ens-wallet]");
  if (!button || !window.ethereum) return;
  var status = document.querySelector("[data-ens-wallet-status]");

  function say(text) {
    status.textContent = text;
    status.hidden = false;
  }
  function hex(text) {
    return "0x" + Array.from(new TextEncoder().encode(text), function (byte) {
      return byte.toString(16).padStart(2, "0");
    }).join("");
  }
  function field(form, name, value) {
    var input = form.elements[name];
    if (!input) {
      input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      form.appendChild(input);
    }
    input.value = value;
  }

  button.addEventListener("click", async function (event) {
    event.preventDefault();
    var messageForm = document.getElementById(button.getAttribute("form"));
    var verifyForm = document.getElementById(button.dataset.verifyForm);
    button.disabled = true;
    try {
      var response = await fetch(messageForm.action, {
        method: "POST",
        body: new FormData(messageForm),
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      var answer = await response.json().catch(function () { return {}; });
      if (!response.ok || !answer.message) {
        say(answer.detail || button.dataset.failed);
        return;
      }
      say(button.dataset.asking);
      var accounts = await window.ethereum.request({ method: "eth_requestAccounts" });
      var mine = (accounts || []).some(function (account) {
        return account.toLowerCase() === answer.address.toLowerCase();
      });
      if (!mine) {
        say(button.dataset.otherAccount.replace("%(address)s", answer.address));
        return;
      }
      var signature = await window.ethereum.request({ method: "personal_sign", params: [hex(answer.message), answer.address] });
      field(verifyForm, "message", answer.message);
      field(verifyForm, "signature", signature);
      verifyForm.submit();
    } catch (error) {
      say(button.dataset.refused);
    } finally {
      button.disabled = false;
    }
  });
})();
