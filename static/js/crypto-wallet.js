// The stablecoin payment page: connect an EIP-1193 wallet (window.ethereum), ask Soko to
// check its balance, then have the wallet send the transactions Soko encoded (approve, then
// deposit) and tell Soko the deposit's hash. The chain, read by Soko's watcher, decides
// whether it paid; this script only carries messages between the wallet and the page.
(function () {
  "use strict";
  var box = document.getElementById("crypto-wallet");
  if (!box) return;
  var connect = box.querySelector("[data-crypto-connect]");
  var wallet = window.ethereum;
  if (!wallet || typeof wallet.request !== "function") {
    connect.hidden = true;
    box.querySelector("[data-crypto-no-wallet]").hidden = false;
    return;
  }

  function ask(method, params) {
    return wallet.request({ method: method, params: params || [] });
  }

  function post(url, values) {
    return htmx.ajax("POST", url, { source: box, target: "#crypto-wallet-result", swap: "outerHTML", values: values });
  }

  function sameChain() {
    var wanted = box.dataset.chainId;
    return ask("eth_chainId").then(function (current) {
      if (parseInt(current, 16) === parseInt(wanted, 16)) return null;
      return ask("wallet_switchEthereumChain", [{ chainId: wanted }]);
    });
  }

  function say(text) {
    var step = document.querySelector("[data-crypto-step]");
    if (step) step.textContent = text;
  }

  // A transaction the next one depends on (the approval before the deposit) must be mined
  // before the wallet is asked for the next: it would otherwise be estimated to fail.
  function mined(hash) {
    return new Promise(function (resolve, reject) {
      var tries = 0;
      (function poll() {
        ask("eth_getTransactionReceipt", [hash]).then(function (receipt) {
          if (receipt && receipt.blockNumber) {
            if (receipt.status === "0x0") reject(new Error("reverted"));
            else resolve(hash);
          } else if (++tries > 300) {
            reject(new Error("not mined"));
          } else {
            setTimeout(poll, 1000);
          }
        }, reject);
      })();
    });
  }

  connect.addEventListener("click", function () {
    connect.disabled = true;
    var address;
    ask("eth_requestAccounts")
      .then(function (accounts) {
        address = accounts && accounts[0];
        return sameChain();
      })
      .then(function () { return post(box.dataset.balanceUrl, { address: address || "" }); })
      .catch(function () { return post(box.dataset.balanceUrl, { address: "" }); })
      .then(function () { connect.disabled = false; });
  });

  box.addEventListener("click", function (event) {
    var button = event.target.closest("[data-crypto-pay]");
    if (!button) return;
    var calls = JSON.parse(button.dataset.calls);
    button.disabled = true;
    var done = Promise.resolve(null);
    calls.forEach(function (call, index) {
      var last = index === calls.length - 1;
      done = done.then(function () {
        say(last ? button.dataset.msgDeposit : button.dataset.msgApprove);
        return ask("eth_sendTransaction", [call]).then(function (hash) { return last ? hash : mined(hash); });
      });
    });
    done
      .then(function (hash) { return post(box.dataset.sentUrl, { tx: hash }); })
      .catch(function () {
        say(button.dataset.msgFailed);
        button.disabled = false;
      });
  });
})();
