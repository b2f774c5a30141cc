// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

interface IERC20 {
    function transfer(address to, uint256 amount) external returns (bool);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
}

/// @title Soko's escrow: a buyer's stablecoin held per checkout until the platform releases each
/// store's share after delivery or refunds the buyer.
/// @notice Anyone may deposit for a checkout id; only the platform's address moves funds out, and
/// never more than the checkout holds. Every move is an event, which the ledger is reconciled with.
contract SokoEscrow {
    address private immutable _token;
    address private immutable _platform;
    mapping(bytes32 => uint256) private _held;

    event Deposited(bytes32 indexed checkoutId, address indexed buyer, uint256 amount);
    event Released(bytes32 indexed checkoutId, address indexed to, uint256 amount);
    event Refunded(bytes32 indexed checkoutId, address indexed to, uint256 amount);

    constructor(address token, address platform) {
        require(token != address(0), "token is the zero address");
        require(platform != address(0), "platform is the zero address");
        _token = token;
        _platform = platform;
    }

    modifier onlyPlatform() {
        require(msg.sender == _platform, "only the platform");
        _;
    }

    /// @return The stablecoin this escrow holds.
    function token() external view returns (address) {
        return _token;
    }

    /// @return The only address that may release or refund.
    function platform() external view returns (address) {
        return _platform;
    }

    /// @return What checkout `checkoutId` still holds, in the token's minor units.
    function held(bytes32 checkoutId) external view returns (uint256) {
        return _held[checkoutId];
    }

    function deposit(bytes32 checkoutId, uint256 amount) external {
        require(amount > 0, "zero amount");
        // The tokens arrive before the checkout is credited; a failed transfer reverts it all.
        require(IERC20(_token).transferFrom(msg.sender, address(this), amount), "token transfer failed");
        _held[checkoutId] += amount;
        emit Deposited(checkoutId, msg.sender, amount);
    }

    function release(bytes32 checkoutId, address to, uint256 amount) external onlyPlatform {
        _payOut(checkoutId, to, amount);
        emit Released(checkoutId, to, amount);
    }

    function refund(bytes32 checkoutId, address to, uint256 amount) external onlyPlatform {
        _payOut(checkoutId, to, amount);
        emit Refunded(checkoutId, to, amount);
    }

    function _payOut(bytes32 checkoutId, address to, uint256 amount) private {
        require(amount > 0, "zero amount");
        require(to != address(0), "pay to the zero address");
        uint256 balance = _held[checkoutId];
        require(balance >= amount, "more than the checkout holds");
        _held[checkoutId] = balance - amount;
        require(IERC20(_token).transfer(to, amount), "token transfer failed");
    }
}
